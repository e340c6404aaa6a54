// An independent WebSocket client (npm `ws`, not ours) for /stream/ws: subscribes with the JSON given as argv[3], prints
// one line "subscribed" once the server confirms, then prints every message of type argv[4] as a JSON line until
// argv[5] of them arrived, and exits.
const WebSocket = require('ws');
const [url, subscribe, type, countText] = process.argv.slice(2);
const want = Number(countText);
const ws = new WebSocket(url);
let got = 0;
const timer = setTimeout(() => { console.error('timed out'); process.exit(2); }, 60000);
ws.on('open', () => ws.send(subscribe));
ws.on('message', raw => {
  const m = JSON.parse(raw.toString());
  if (m.type === 'error') { console.error(m.error); process.exit(3); }
  if (m.type === 'subscribed') console.log('subscribed');
  if (m.type === type) {
    console.log(JSON.stringify(m));
    if (++got === want) { clearTimeout(timer); ws.close(1000, 'done'); }
  }
});
ws.on('close', () => process.exit(got === want ? 0 : 4));
ws.on('error', e => { console.error(e.message); process.exit(5); });
