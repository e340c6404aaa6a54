// Dashboard: candlesticks, volume, latest-price line and chosen indicators from the history API; older pages load when
// the chart scrolls back; live updates over the WebSocket (/stream/ws) without redrawing; a coverage strip (/coverage)
// and a pipeline-health panel (/ready, /instruments, /metrics). window.dashboardState lets tests (and curious users)
// see what was rendered.
(() => {
  const LWC = window.LightweightCharts;
  const $ = id => document.getElementById(id);
  const state = window.dashboardState = {
    candles: 0, liveEvents: 0, indicators: [], shown: [], error: null, instrument: null, interval: null, olderPages: 0,
    allLoaded: false, coverage: null, health: null, lastPrice: null, matches: [], socket: 'closed',
  };
  const status = text => { $('status').textContent = text; };
  if (!LWC) { state.error = 'lightweight-charts is missing: run make setup'; status(state.error); return; }

  const params = new URLSearchParams(location.search);
  const pageSize = Math.min(10000, Math.max(10, +(params.get('page') || 1000)));
  const toTime = iso => Math.floor(Date.parse(iso) / 1000);
  const up = '#26a69a', down = '#ef5350';
  const palette = ['#f0b429', '#58a6ff', '#d2a8ff', '#7ee787', '#ff7b72', '#79c0ff', '#ffa657'];
  // Indicators drawn on the price scale; the rest (oscillators) get a pane of their own.
  const onPrice = name => /^(sma|ema|wma|dema|tema|vwap|bb|kama|alma|hma|supertrend|donchian|keltner|psar|ichimoku)/.test(name);
  const chosen = new Set(JSON.parse(localStorage.getItem('dashboard.hidden') || '[]')); // names the user switched off

  const chart = state.chart = LWC.createChart($('chart'), {
    autoSize: true,
    layout: { background: { color: '#0f1419' }, textColor: '#d6dde4', panes: { separatorColor: '#25303a' } },
    grid: { vertLines: { color: '#1b232c' }, horzLines: { color: '#1b232c' } },
    timeScale: { timeVisible: true, secondsVisible: false },
  });
  // The latest-price line: the candle series' own price line, coloured by the last candle's direction.
  const candles = chart.addSeries(LWC.CandlestickSeries, {
    upColor: up, downColor: down, borderVisible: false, wickUpColor: up, wickDownColor: down,
    priceLineVisible: true, lastValueVisible: true, priceLineWidth: 1, priceLineStyle: LWC.LineStyle.Dashed,
  });
  const volume = chart.addSeries(LWC.HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'volume', lastValueVisible: false, priceLineVisible: false });
  volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });

  let bars = [];            // loaded candles, oldest first
  let lines = new Map();    // "name.field" → { series, points, indicator }
  let path = null;
  let loading = false;
  let generation = 0;       // a newer load() makes older answers stale
  let userMoved = false;    // older pages load on the user's scroll back, not because a fitted page starts at its oldest bar

  const bar = c => ({ time: toTime(c.time), open: +c.open, high: +c.high, low: +c.low, close: +c.close });
  const vol = c => ({ time: toTime(c.time), value: +c.volume, color: +c.close >= +c.open ? up + '80' : down + '80' });

  async function json(url) {
    const r = await fetch(url);
    const body = await r.json();
    if (!r.ok) throw new Error(body.detail || body.title || r.statusText);
    return body;
  }

  const fill = () => ($('fill').checked ? '&fill=true' : '');

  async function load() {
    const gen = ++generation;
    const [exchange, pair, market] = $('instrument').value.split(':');
    const [base, quote] = pair.split('/');
    const interval = $('interval').value;
    state.instrument = $('instrument').value; state.interval = interval;
    path = `${exchange}/${base}/${quote}/${market}/${interval}`;
    status(`loading ${state.instrument} ${interval}…`);
    try {
      const page = await json(`/candles/${path}?limit=${pageSize}${fill()}`);
      if (gen !== generation) return;
      bars = page.data;
      state.olderPages = 0;
      state.allLoaded = page.data.length < pageSize;
      candles.setData(bars.map(bar));
      volume.setData(bars.map(vol));
      state.candles = bars.length;
      state.lastPrice = bars.length ? +bars[bars.length - 1].close : null;
      clearIndicators();
      if (bars.length) await loadIndicators(bars[0].time, null, gen);
      userMoved = false;
      chart.timeScale().fitContent(); // the loaded range fits the chart
      state.loads = (state.loads || 0) + 1;
      showStatus();
      subscribe();
      loadCoverage();
    } catch (e) {
      state.error = e.message; status(e.message);
    }
  }

  // Scrolling back near the oldest loaded candle loads the page before it, keeping the view where it is.
  async function loadOlder() {
    if (loading || state.allLoaded || !bars.length) return;
    loading = true;
    const gen = generation;
    try {
      status(`loading older candles…`);
      const oldest = bars[0].time;
      const page = await json(`/candles/${path}?end=${encodeURIComponent(oldest)}&limit=${pageSize}${fill()}`);
      if (gen !== generation) return;
      const older = page.data.filter(c => c.time < oldest);
      state.allLoaded = older.length === 0 || page.data.length < pageSize;
      if (older.length) {
        const range = chart.timeScale().getVisibleLogicalRange();
        bars = older.concat(bars);
        candles.setData(bars.map(bar));
        volume.setData(bars.map(vol));
        await loadIndicators(older[0].time, oldest, gen);
        if (range) chart.timeScale().setVisibleLogicalRange({ from: range.from + older.length, to: range.to + older.length });
        state.candles = bars.length;
        state.olderPages++;
        loadCoverage();
      }
      showStatus();
    } catch (e) {
      state.error = e.message; status(e.message);
    } finally {
      loading = false;
    }
  }

  function showStatus() {
    status(`${state.candles} candles${state.allLoaded ? ' · all loaded' : ' · scroll left for older'}`);
  }

  function clearIndicators() {
    for (const l of lines.values()) chart.removeSeries(l.series);
    lines = new Map();
    state.indicators = []; state.shown = [];
  }

  // Loads indicator values for [start, end) and merges them into their lines (new lines get a series and a pane).
  async function loadIndicators(start, end, gen) {
    const fresh = new Map();
    let url = `/indicators/${path}?start=${encodeURIComponent(start)}&limit=10000` + (end ? `&end=${encodeURIComponent(end)}` : '');
    for (let pages = 0; url && pages < 20; pages++) {
      const body = await json(url);
      if (gen !== generation) return;
      for (const v of body.data)
        for (const [field, value] of Object.entries(v.values))
          if (value !== null) {
            const key = `${v.indicator}.${field}`;
            if (!fresh.has(key)) fresh.set(key, { indicator: v.indicator, points: [] });
            fresh.get(key).points.push({ time: toTime(v.time), value });
          }
      url = body.metadata.next_cursor ? `/indicators/${path}?cursor=${encodeURIComponent(body.metadata.next_cursor)}&limit=10000` : null;
    }
    const panes = new Map([...lines.values()].filter(l => !onPrice(l.indicator)).map(l => [l.indicator, l.pane]));
    for (const [key, f] of fresh) {
      let line = lines.get(key);
      if (!line) {
        const pane = onPrice(f.indicator) ? 0 : (panes.get(f.indicator) ?? (panes.set(f.indicator, 1 + new Set(panes.values()).size), panes.get(f.indicator)));
        const series = chart.addSeries(LWC.LineSeries, {
          color: palette[lines.size % palette.length], lineWidth: 1, title: key, priceLineVisible: false, lastValueVisible: false,
          visible: !chosen.has(f.indicator),
        }, pane);
        line = { series, points: [], indicator: f.indicator, pane };
        lines.set(key, line);
      }
      line.points = f.points.concat(line.points.filter(p => !f.points.length || p.time > f.points[f.points.length - 1].time));
      line.series.setData(line.points);
    }
    renderPicker();
  }

  function renderPicker() {
    state.indicators = [...lines.keys()].sort();
    state.shown = state.indicators.filter(k => !chosen.has(lines.get(k).indicator));
    const names = [...new Set([...lines.values()].map(l => l.indicator))].sort();
    $('indicator-list').innerHTML = names.length ? '' : '<em>none stored</em>';
    for (const name of names) {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox'; box.checked = !chosen.has(name); box.dataset.indicator = name;
      box.addEventListener('change', () => {
        if (box.checked) chosen.delete(name); else chosen.add(name);
        localStorage.setItem('dashboard.hidden', JSON.stringify([...chosen]));
        for (const l of lines.values()) if (l.indicator === name) l.series.applyOptions({ visible: box.checked });
        renderPicker();
      });
      label.append(box, ` ${name} ${onPrice(name) ? '(on price)' : '(own pane)'}`);
      $('indicator-list').appendChild(label);
    }
    $('legend').innerHTML = state.shown.map(k => `<span style="color:${lines.get(k).series.options().color}">${k}</span>`).join('');
  }

  // The coverage strip: the loaded range, red where /coverage reports intervals without candles.
  async function loadCoverage() {
    if (!bars.length) return;
    const gen = generation;
    const start = bars[0].time, end = new Date().toISOString();
    try {
      const body = await json(`/coverage/${path}?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`);
      if (gen !== generation) return;
      const from = Date.parse(start), span = Math.max(1, Date.parse(end) - from);
      const strip = $('coverage-bar');
      strip.innerHTML = '';
      for (const g of body.data.gaps) {
        const d = document.createElement('div');
        d.className = 'gap';
        d.style.left = `${(100 * (Date.parse(g.start) - from)) / span}%`;
        d.style.width = `${(100 * (Date.parse(g.end) - Date.parse(g.start))) / span}%`;
        d.title = `${g.start} → ${g.end}: ${g.missing} missing${g.venue_gap ? ' (venue had no data)' : ''}`;
        strip.appendChild(d);
      }
      state.coverage = { count: body.data.count, missing: body.data.missing, gaps: body.data.gaps.length };
      $('coverage-text').textContent = `coverage ${body.data.count}/${body.data.expected} · ${body.data.gaps.length} gap(s)`;
    } catch (e) {
      $('coverage-text').textContent = `coverage: ${e.message}`;
    }
  }

  // Live: one WebSocket, resubscribed on instrument/interval changes, reconnected with backoff.
  let socket = null, subscribed = null, retry = 500;
  function connect() {
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/stream/ws`);
    socket.onopen = () => { retry = 500; subscribed = null; subscribe(); };
    socket.onmessage = e => onMessage(JSON.parse(e.data));
    socket.onclose = e => {
      state.socket = 'closed'; $('live').className = 'off';
      $('live').title = `live stream closed${e.reason ? ': ' + e.reason : ''}; reconnecting`;
      setTimeout(connect, retry); retry = Math.min(retry * 2, 15000);
    };
  }
  function subscribe() {
    if (!socket || socket.readyState !== WebSocket.OPEN || !state.instrument) return;
    const want = { instruments: [state.instrument], intervals: [state.interval] };
    if (subscribed) socket.send(JSON.stringify({ op: 'unsubscribe', ...subscribed, channels: ['updates', 'closes', 'indicators'] }));
    socket.send(JSON.stringify({ op: 'subscribe', ...want, channels: ['updates', 'closes', 'indicators'] }));
    subscribed = want;
  }
  function onMessage(m) {
    if (m.type === 'subscribed') { state.socket = 'live'; $('live').className = 'on'; $('live').title = 'live stream connected'; return; }
    if (m.type === 'error') { status(`live: ${m.error}`); return; }
    const d = m.data;
    if (!d || d.instrument !== state.instrument || d.interval !== state.interval) return;
    if (m.type === 'update' || m.type === 'close') {
      const b = bar(d);
      const last = bars.length ? toTime(bars[bars.length - 1].time) : -Infinity;
      if (b.time < last) return; // an older candle revised: the next history load shows it
      try { candles.update(b); volume.update(vol(d)); } catch { return; }
      if (b.time > last) bars.push(d); else bars[bars.length - 1] = d;
      state.candles = bars.length; state.liveEvents++; state.lastLive = d.time; state.lastPrice = +d.close;
      candles.applyOptions({ priceLineColor: +d.close >= +d.open ? up : down });
    } else if (m.type === 'indicator') {
      for (const [field, value] of Object.entries(d.values)) {
        const line = lines.get(`${d.indicator}.${field}`);
        if (!line || value === null) continue;
        const p = { time: toTime(d.time), value };
        const tail = line.points[line.points.length - 1];
        if (tail && p.time < tail.time) continue;
        try { line.series.update(p); } catch { continue; }
        if (tail && tail.time === p.time) line.points[line.points.length - 1] = p; else line.points.push(p);
        state.liveEvents++;
      }
    }
  }

  // Pipeline health: readiness, freshness per instrument (newest 1m candle), and from /metrics when the roles run in
  // this process (pipeline up): consumer lag, data freshness by trade time, dead letters per minute.
  let lastDead = null;
  async function health() {
    const h = { ready: null, freshness: [], lag: null, deadPerMinute: null };
    try {
      const r = await fetch('/ready');
      const body = await r.json();
      h.ready = body.ready;
      $('ready').innerHTML = `<span class="${body.ready ? 'fresh' : 'stale'}">${body.ready ? 'ready' : 'not ready'}</span> · database ${body.database} · kafka ${body.kafka}`;
    } catch (e) { $('ready').textContent = `ready: ${e.message}`; }
    try {
      const list = (await json('/instruments')).data.filter(i => i.last);
      const now = Date.now();
      h.freshness = list.map(i => ({ instrument: `${i.exchange}:${i.base}/${i.quote}:${i.market}`, last: i.last, age: (now - Date.parse(i.last)) / 1000 }))
        .sort((a, b) => a.age - b.age);
      $('freshness').innerHTML = h.freshness.map(f =>
        `<tr><td>${f.instrument}</td><td>${f.last.slice(5, 16).replace('T', ' ')}</td><td class="${f.age < 180 ? 'fresh' : 'stale'}">${age(f.age)}</td></tr>`).join('');
    } catch (e) { $('freshness').innerHTML = `<tr><td colspan="3">${e.message}</td></tr>`; }
    try {
      const text = await (await fetch('/metrics')).text();
      const sum = re => text.split('\n').filter(l => re.test(l)).reduce((s, l) => s + (+l.slice(l.lastIndexOf(' ') + 1) || 0), null);
      h.lag = sum(/^pipeline_consumer_lag[^ ]* /);
      const dead = sum(/^pipeline_[a-z_]*deadletters[a-z_]*(\{| )/);
      if (dead !== null && lastDead) h.deadPerMinute = ((dead - lastDead.value) * 60000) / Math.max(1, Date.now() - lastDead.at);
      if (dead !== null) lastDead = { value: dead, at: Date.now() };
      h.tradeFreshness = sum(/^pipeline_data_freshness[^ ]* /) === null ? null : Math.max(...text.split('\n')
        .filter(l => /^pipeline_data_freshness[^ ]* /.test(l)).map(l => +l.slice(l.lastIndexOf(' ') + 1)));
    } catch { /* no metrics: shown as "not in this process" */ }
    const shown = v => (v === null || v === undefined ? '<span title="the role does not run in the API process">—</span>' : v);
    $('flow').innerHTML =
      `<dt>consumer lag</dt><dd>${shown(h.lag === null ? null : `${Math.round(h.lag)} records`)}</dd>` +
      `<dt>dead letters</dt><dd>${shown(h.deadPerMinute === null ? (lastDead ? 'measuring…' : null) : `${h.deadPerMinute.toFixed(1)} / min`)}</dd>` +
      `<dt>oldest trade age</dt><dd>${shown(h.tradeFreshness === null || h.tradeFreshness === undefined ? null : age(h.tradeFreshness))}</dd>` +
      `<dt>live stream</dt><dd>${state.socket} · ${state.liveEvents} updates</dd>`;
    state.health = h;
  }
  const age = s => (s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : s < 172800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} d`);

  // Instrument search: filters the list as you type; Enter (or a single match) opens it.
  function search() {
    const q = $('search').value.trim().toLowerCase().replace(/[\s/:-]+/g, '');
    const options = [...$('instrument').options];
    for (const o of options) o.hidden = q !== '' && !o.value.toLowerCase().replace(/[\s/:-]+/g, '').includes(q);
    state.matches = options.filter(o => !o.hidden).map(o => o.value);
    return state.matches;
  }

  (async () => {
    try {
      const list = (await json('/instruments')).data;
      for (const i of list) {
        const o = document.createElement('option');
        o.value = `${i.exchange}:${i.base}/${i.quote}:${i.market}`;
        o.textContent = `${i.exchange} ${i.base}/${i.quote} ${i.market}` + (i.last ? '' : ' (no data)');
        $('instrument').appendChild(o);
      }
      const withData = list.find(i => i.last);
      $('instrument').value = params.get('instrument') || (withData ? `${withData.exchange}:${withData.base}/${withData.quote}:${withData.market}` : $('instrument').value);
      for (const iv of ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w']) {
        const o = document.createElement('option'); o.value = o.textContent = iv; $('interval').appendChild(o);
      }
      $('interval').value = params.get('interval') || '1m';
      for (const id of ['instrument', 'interval', 'fill']) $(id).addEventListener('change', load);
      $('search').addEventListener('input', () => {
        const m = search();
        if (m.length === 1 && m[0] !== $('instrument').value) { $('instrument').value = m[0]; load(); }
      });
      $('search').addEventListener('keydown', e => {
        const m = search();
        if (e.key === 'Enter' && m.length && m[0] !== $('instrument').value) { $('instrument').value = m[0]; load(); }
      });
      for (const ev of ['mousedown', 'wheel', 'touchstart', 'keydown'])
        $('chart').addEventListener(ev, () => { userMoved = true; }, { passive: true });
      chart.timeScale().subscribeVisibleLogicalRangeChange(range => { if (range && range.from < 10 && userMoved) loadOlder(); });
      connect();
      health();
      setInterval(health, 10000);
      setInterval(loadCoverage, 60000);
      await load();
    } catch (e) {
      state.error = e.message; status(e.message);
    }
  })();
})();
