# python3-confluent-kafka (Debian's librdkafka 2.0.2, not the pipeline's) transactions: one committed and one aborted
# transaction; a read_committed consumer must see exactly the committed records. Prints one JSON object.
# Usage: python3 confluent_python_transactions.py HOST:PORT TOPIC TXN_ID
import json
import sys

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, txn_id = sys.argv[1], sys.argv[2], sys.argv[3]
producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id})
producer.init_transactions(30)
producer.begin_transaction()
for i in range(10):
    producer.produce(topic, value=('committed-%d' % i).encode())
producer.commit_transaction(30)
producer.begin_transaction()
for i in range(10):
    producer.produce(topic, value=('aborted-%d' % i).encode())
producer.flush(30)
producer.abort_transaction(30)
producer.begin_transaction()
producer.produce(topic, value=b'last')
producer.commit_transaction(30)

consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': txn_id + '-reader', 'isolation.level': 'read_committed',
                     'auto.offset.reset': 'earliest', 'enable.partition.eof': True, 'enable.auto.commit': False})
consumer.assign([TopicPartition(topic, 0, 0)])
values = []
while True:
    m = consumer.poll(10)
    if m is None:
        break
    if m.error():
        if m.error().code() == -191:  # _PARTITION_EOF
            break
        raise SystemExit(str(m.error()))
    values.append(m.value().decode())
consumer.close()
print(json.dumps({'values': values}))
