// KafkaJS 2.2.4 admin against the broker: replica assignment validation (CreateTopics, CreatePartitions) and
// DescribeConfigs with synonyms for a topic and the broker. Prints one JSON object.
// Usage: node kafkajs_admin.js HOST:PORT TOPIC
const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs');

const [bootstrap, topic] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'conformance', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });

async function errorOf(action) {
  try {
    await action();
    return 'NONE';
  } catch (e) {
    const inner = e.errors && e.errors.length ? e.errors[0] : e;
    return inner.type || inner.name;
  }
}

(async () => {
  const admin = kafka.admin();
  await admin.connect();
  const result = {};
  result.createTopicUnknownBroker = await errorOf(() =>
    admin.createTopics({ topics: [{ topic: `${topic}-a`, replicaAssignment: [{ partition: 0, replicas: [2] }] }] }));
  result.createTopicValidAssignment = await errorOf(() =>
    admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [1] }, { partition: 1, replicas: [1] }] }] }));
  result.createPartitionsWrongCount = await errorOf(() =>
    admin.createPartitions({ topicPartitions: [{ topic, count: 4, assignments: [[1]] }] }));
  result.createPartitionsUnknownBroker = await errorOf(() =>
    admin.createPartitions({ topicPartitions: [{ topic, count: 3, assignments: [[3]] }] }));
  result.createPartitionsValid = await errorOf(() =>
    admin.createPartitions({ topicPartitions: [{ topic, count: 3, assignments: [[1]] }] }));
  result.partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length;
  await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });

  const described = await admin.describeConfigs({
    includeSynonyms: true,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }, { type: ConfigResourceTypes.BROKER, name: '1' }],
  });
  result.configs = {};
  for (const r of described.resources) {
    const entries = {};
    for (const e of r.configEntries) {
      entries[e.configName] = {
        value: e.configValue, source: e.configSource, isDefault: e.isDefault, readOnly: e.readOnly,
        synonyms: e.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]),
      };
    }
    result.configs[r.resourceType === ConfigResourceTypes.TOPIC ? 'topic' : 'broker'] = { error: r.errorCode, entries };
  }
  await admin.disconnect();
  console.log(JSON.stringify(result));
})().catch((e) => { console.error(`FAILED ${e.name}: ${e.message}`); process.exit(1); });
