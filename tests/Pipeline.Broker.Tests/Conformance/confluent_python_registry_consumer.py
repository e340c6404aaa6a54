# Reads a topic written in Schema Registry framing with python3-confluent-kafka's stock ProtobufDeserializer. The message
# class comes from the registry itself (format=serialized descriptors of the subject and its references): no copy of the
# pipeline's .proto files. Prints one JSON object: {"records": [MessageToDict(value), ...]}.
# Usage: python3 confluent_python_registry_consumer.py HOST:PORT REGISTRY_URL TOPIC MESSAGE_NAME COUNT
import base64
import json
import sys

import requests
from confluent_kafka import DeserializingConsumer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.json_format import MessageToDict

bootstrap, registry, topic, message_name, count = sys.argv[1], sys.argv[2].rstrip('/'), sys.argv[3], sys.argv[4], int(sys.argv[5])
pool = descriptor_pool.DescriptorPool()


def add(subject, version):
    schema = requests.get('%s/subjects/%s/versions/%s' % (registry, requests.utils.quote(subject, safe=''), version),
                          params={'format': 'serialized'}, timeout=10).json()
    for reference in schema.get('references', []):
        add(reference['subject'], reference['version'])
    file = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(schema['schema']))
    try:
        pool.Add(file)
    except TypeError:
        pass  # already added through another reference
    return file


file = add(topic + '-value', 'latest')
message_type = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName(file.package + '.' + message_name))
consumer = DeserializingConsumer({
    'bootstrap.servers': bootstrap, 'group.id': 'registry-proof-' + topic, 'auto.offset.reset': 'earliest',
    'value.deserializer': ProtobufDeserializer(message_type),
})
consumer.subscribe([topic])
records = []
while len(records) < count:
    m = consumer.poll(30)
    if m is None:
        raise SystemExit('no record within 30 s after %d of %d' % (len(records), count))
    records.append(MessageToDict(m.value()))
consumer.close()
print(json.dumps({'records': records}))
