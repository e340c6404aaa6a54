// Reads the pipeline's candles with kafkajs and @kafkajs/confluent-schema-registry: the schema comes from the registry by
// the id in each record, no copy of our .proto files.
// npm install kafkajs@2.2.4 @kafkajs/confluent-schema-registry@3.9.0
// Usage: node consume-candles.js [BOOTSTRAP] [REGISTRY_URL] [TOPIC]
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');

const [bootstrap = 'localhost:9092', registryUrl = 'http://localhost:8081', topic = 'candles'] = process.argv.slice(2);
const registry = new SchemaRegistry({ host: registryUrl });
const kafka = new Kafka({ clientId: 'example-js-candles', brokers: [bootstrap], logLevel: logLevel.WARN });

(async () => {
  // readUncommitted: false (the default) — the pipeline writes candles in transactions.
  const consumer = kafka.consumer({ groupId: 'example-js-candles' });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const candle = await registry.decode(message.value);
      console.log(JSON.stringify(candle.$type.toObject(candle, { longs: String, enums: String })));
    },
  });
  process.on('SIGINT', () => consumer.disconnect().then(() => process.exit(0)));
})().catch((e) => { console.error(e); process.exit(1); });
