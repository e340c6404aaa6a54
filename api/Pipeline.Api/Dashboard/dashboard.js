// Dashboard: candlesticks with volume and indicator overlays from the history API, updated live from /stream/candles.
// window.dashboardState lets tests (and curious users) see what was rendered.
(() => {
  const LWC = window.LightweightCharts;
  const $ = id => document.getElementById(id);
  const state = window.dashboardState = { candles: 0, liveEvents: 0, indicators: [], error: null, instrument: null, interval: null };
  const status = text => { $('status').textContent = text; };
  if (!LWC) { state.error = 'lightweight-charts is missing: run make setup'; status(state.error); return; }

  const params = new URLSearchParams(location.search);
  const toTime = iso => Math.floor(Date.parse(iso) / 1000);
  const up = '#26a69a', down = '#ef5350';
  const palette = ['#f0b429', '#58a6ff', '#d2a8ff', '#7ee787', '#ff7b72'];
  // Indicators drawn on the price scale; the rest (oscillators) get a pane of their own.
  const onPrice = name => /^(sma|ema|wma|dema|tema|vwap|bb|kama|alma|hma|supertrend|donchian|keltner)/.test(name);

  const chart = LWC.createChart($('chart'), {
    autoSize: true,
    layout: { background: { color: '#0f1419' }, textColor: '#d6dde4' },
    grid: { vertLines: { color: '#1b232c' }, horzLines: { color: '#1b232c' } },
    timeScale: { timeVisible: true, secondsVisible: false },
  });
  const candles = chart.addSeries(LWC.CandlestickSeries, { upColor: up, downColor: down, borderVisible: false, wickUpColor: up, wickDownColor: down });
  const volume = chart.addSeries(LWC.HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'volume' });
  volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  let overlays = [];
  let stream = null;

  const bar = c => ({ time: toTime(c.time), open: +c.open, high: +c.high, low: +c.low, close: +c.close });
  const vol = c => ({ time: toTime(c.time), value: +c.volume, color: +c.close >= +c.open ? up + '80' : down + '80' });

  async function json(url) {
    const r = await fetch(url);
    const body = await r.json();
    if (!r.ok) throw new Error(body.detail || body.title || r.statusText);
    return body;
  }

  async function load() {
    const [exchange, pair, market] = $('instrument').value.split(':');
    const [base, quote] = pair.split('/');
    const interval = $('interval').value;
    state.instrument = $('instrument').value; state.interval = interval;
    const path = `${exchange}/${base}/${quote}/${market}/${interval}`;
    status(`loading ${state.instrument} ${interval}…`);
    try {
      const page = await json(`/candles/${path}?limit=1000${$('fill').checked ? '&fill=true' : ''}`);
      candles.setData(page.data.map(bar));
      volume.setData(page.data.map(vol));
      state.candles = page.data.length;
      await loadIndicators(path, page.data.length ? page.data[0].time : null);
      chart.timeScale().fitContent();
      status(`${state.candles} candles · live`);
      connect(state.instrument, interval);
    } catch (e) {
      state.error = e.message; status(e.message);
    }
  }

  async function loadIndicators(path, start) {
    for (const s of overlays) chart.removeSeries(s);
    overlays = [];
    state.indicators = [];
    if (!start) return;
    const body = await json(`/indicators/${path}?start=${encodeURIComponent(start)}&limit=10000`);
    const lines = new Map(); // "name.field" → points
    for (const v of body.data)
      for (const [field, value] of Object.entries(v.values))
        if (value !== null) {
          const key = `${v.indicator}.${field}`;
          if (!lines.has(key)) lines.set(key, []);
          lines.get(key).push({ time: toTime(v.time), value });
        }
    let i = 0;
    for (const [key, points] of lines) {
      const series = chart.addSeries(LWC.LineSeries, { color: palette[i++ % palette.length], lineWidth: 1, title: key, priceLineVisible: false },
        onPrice(key) ? 0 : 1);
      series.setData(points);
      overlays.push(series);
      state.indicators.push(key);
    }
    $('legend').innerHTML = state.indicators.map((k, j) => `<span style="color:${palette[j % palette.length]}">${k}</span>`).join('');
  }

  function connect(instrument, interval) {
    if (stream) stream.close();
    stream = new EventSource(`/stream/candles?instruments=${encodeURIComponent(instrument)}&intervals=${interval}`);
    const onCandle = e => {
      const c = JSON.parse(e.data);
      candles.update(bar(c));
      volume.update(vol(c));
      state.liveEvents++;
      state.lastLive = c.time;
    };
    stream.addEventListener('update', onCandle);
    stream.addEventListener('close', onCandle);
    stream.onerror = () => status(`${state.candles} candles · reconnecting…`);
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
      await load();
    } catch (e) {
      state.error = e.message; status(e.message);
    }
  })();
})();
