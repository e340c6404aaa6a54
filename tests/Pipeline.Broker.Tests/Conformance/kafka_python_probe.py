# kafka-python's own broker version probe with default settings, from many clients at once (the probe sends ApiVersions v0
# and Metadata v0 back to back; a broker that closes on Metadata v0 makes some clients conclude "Kafka 0.9" and hang).
# Each client sends one record and waits for its acknowledgement. Prints one JSON object.
# Usage: python3 kafka_python_probe.py HOST:PORT TOPIC CLIENTS
import json
import sys
import threading

from kafka import KafkaProducer

bootstrap, topic, clients = sys.argv[1], sys.argv[2], int(sys.argv[3])
ok, failures, versions = [], [], []
lock = threading.Lock()


def client(i):
    try:
        producer = KafkaProducer(bootstrap_servers=bootstrap, max_block_ms=30000, request_timeout_ms=30000)
        meta = producer.send(topic, value=('client-%d' % i).encode()).get(timeout=30)
        with lock:
            ok.append(meta.offset)
            versions.append('.'.join(str(x) for x in producer.config['api_version']))
        producer.close(timeout=10)
    except Exception as e:  # every failure is reported, none stops the others
        with lock:
            failures.append('%s: %s' % (type(e).__name__, e))


threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({'acknowledged': len(ok), 'distinct_offsets': len(set(ok)), 'failures': failures[:5],
                  'failed': len(failures), 'inferred_versions': sorted(set(versions))}))
