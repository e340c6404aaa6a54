// KafkaJS 2.2.4 (its own protocol implementation) round trip: admin create, produce, a consumer group that commits,
// a transaction that commits and one that aborts (read_committed sees only the first), and a consume-transform-produce
// transaction that commits the group's offsets with sendOffsets. Prints one JSON object.
// Usage: node kafkajs_roundtrip.js HOST:PORT TOPIC GROUP RECORDS
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, group, recordsArg] = process.argv.slice(2);
const records = Number(recordsArg);
const kafka = new Kafka({ clientId: 'conformance', brokers: [bootstrap], logLevel: logLevel.NOTHING });

async function consumeUntil(groupId, topics, count, readUncommitted) {
  const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100 });
  await consumer.connect();
  for (const t of topics) await consumer.subscribe({ topic: t, fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of ${count} from ${topics}`)), 30000);
    consumer.run({
      eachMessage: async ({ topic: t, message }) => {
        seen.push({ topic: t, value: message.value.toString() });
        if (seen.length >= count) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }, { topic: `${topic}-txn` }, { topic: `${topic}-copy` }] });

  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const messages = Array.from({ length: records }, (_, i) => ({ key: String(i % 7), value: String(i) }));
  const acks = await producer.send({ topic, messages });
  await producer.disconnect();

  const consumed = await consumeUntil(group, [topic], records, false);
  const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);

  const txProducer = kafka.producer({ transactionalId: `${group}-tx`, idempotent: true, maxInFlightRequests: 1 });
  await txProducer.connect();
  let txn = await txProducer.transaction();
  await txn.send({ topic: `${topic}-txn`, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
  await txn.commit();
  txn = await txProducer.transaction();
  await txn.send({ topic: `${topic}-txn`, messages: [{ value: 'aborted-1' }] });
  await txn.abort();
  txn = await txProducer.transaction();
  await txn.send({ topic: `${topic}-txn`, messages: [{ value: 'committed-3' }] });
  await txn.commit();

  // consume-transform-produce: copy the first topic into -copy and commit the group's offsets inside the transaction
  txn = await txProducer.transaction();
  await txn.send({ topic: `${topic}-copy`, messages: messages.map((m) => ({ value: `copy-${m.value}` })) });
  await txn.sendOffsets({
    consumerGroupId: `${group}-copier`,
    topics: [{ topic, partitions: ends.map((e) => ({ partition: e.partition, offset: e.offset })) }],
  });
  await txn.commit();
  await txProducer.disconnect();

  const transactional = await consumeUntil(`${group}-txn-reader`, [`${topic}-txn`], 3, false);
  const copied = await consumeUntil(`${group}-copy-reader`, [`${topic}-copy`], records, false);
  const copierOffsets = await admin.fetchOffsets({ groupId: `${group}-copier`, topics: [topic] });
  await admin.disconnect();

  console.log(JSON.stringify({
    acknowledged: acks.length,
    consumed: consumed.map((m) => Number(m.value)).sort((a, b) => a - b),
    committed: committed[0].partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0] - b[0]),
    ends: ends.map((e) => [e.partition, Number(e.offset)]).sort((a, b) => a[0] - b[0]),
    transactional: transactional.map((m) => m.value),
    copied: copied.length,
    copierOffsets: copierOffsets[0].partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0] - b[0]),
  }));
})().catch((e) => { console.error(`FAILED ${e.name}: ${e.message}`); process.exit(1); });
