# kafka-python round trip: admin create, produce (acks=all), a consumer group that commits, a second member of the group
# that resumes from the committed offsets. Prints one JSON object.
# Usage: python3 kafka_python_roundtrip.py HOST:PORT TOPIC GROUP RECORDS
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

bootstrap, topic, group, records = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
admin.close()

producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all')
futures = [producer.send(topic, key=str(i % 7).encode(), value=str(i).encode()) for i in range(records)]
acked = [f.get(timeout=30) for f in futures]
producer.close()

first = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest',
                      enable_auto_commit=False)
seen = []
deadline = time.time() + 30
while len(seen) < records and time.time() < deadline:
    for tp, messages in first.poll(timeout_ms=500).items():
        seen.extend(int(m.value) for m in messages)
first.commit()
assignment = sorted(tp.partition for tp in first.assignment())
first.close()

second = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
partitions = [TopicPartition(topic, p) for p in range(3)]
committed = {p.partition: second.committed(p) for p in partitions}
end = second.end_offsets(partitions)
second.close()
print(json.dumps({'acknowledged': len(acked), 'consumed': sorted(seen), 'assignment': assignment,
                  'committed': {str(k): v for k, v in committed.items()}, 'end': {str(k.partition): v for k, v in end.items()}}))
