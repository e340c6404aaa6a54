// Reads a topic written in Schema Registry framing with kafkajs + @kafkajs/confluent-schema-registry (stock decode: the
// schema comes from the registry by the id in each record). Prints one JSON object: {"records": [object, ...]} with
// 64-bit integers as strings and enums as names.
// Usage: node kafkajs_registry_consumer.js HOST:PORT REGISTRY_URL TOPIC COUNT
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');

const [bootstrap, registryUrl, topic, countArg] = process.argv.slice(2);
const count = Number(countArg);
const registry = new SchemaRegistry({ host: registryUrl });
const kafka = new Kafka({ clientId: 'registry-proof', brokers: [bootstrap], logLevel: logLevel.NOTHING });

(async () => {
  const consumer = kafka.consumer({ groupId: `registry-proof-js-${topic}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const records = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`decoded ${records.length} of ${count}`)), 30000);
    consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = await registry.decode(message.value);
        records.push(decoded.$type.toObject(decoded, { longs: String, enums: String, bytes: String }));
        if (records.length >= count) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  console.log(JSON.stringify({ records }));
})().catch((e) => { console.error(`FAILED ${e.name}: ${e.message}`); process.exit(1); });
