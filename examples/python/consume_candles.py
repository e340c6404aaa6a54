#!/usr/bin/env python3
# Reads the pipeline's candles with stock Confluent deserializers only: no copy of our .proto files. The message class
# is built from the schema registry's descriptors (format=serialized), then confluent_kafka's ProtobufDeserializer decodes.
# Debian: apt install python3-confluent-kafka python3-protobuf python3-requests
# Usage: python3 consume_candles.py [BOOTSTRAP] [REGISTRY_URL] [TOPIC]
import base64
import sys

import requests
from confluent_kafka import DeserializingConsumer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.json_format import MessageToJson

bootstrap = sys.argv[1] if len(sys.argv) > 1 else 'localhost:9092'
registry = (sys.argv[2] if len(sys.argv) > 2 else 'http://localhost:8081').rstrip('/')
topic = sys.argv[3] if len(sys.argv) > 3 else 'candles'
pool = descriptor_pool.DescriptorPool()


def add(subject, version):
    """Adds a subject's schema and (first) its references to the pool; returns its FileDescriptorProto."""
    url = '%s/subjects/%s/versions/%s' % (registry, requests.utils.quote(subject, safe=''), version)
    schema = requests.get(url, params={'format': 'serialized'}, timeout=10).json()
    for reference in schema.get('references', []):
        add(reference['subject'], reference['version'])
    file = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(schema['schema']))
    try:
        pool.Add(file)
    except TypeError:
        pass  # already in the pool through another reference
    return file


file = add(topic + '-value', 'latest')
candle_type = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName(file.package + '.Candle'))
consumer = DeserializingConsumer({
    'bootstrap.servers': bootstrap,
    'group.id': 'example-python-candles',
    'auto.offset.reset': 'earliest',
    'isolation.level': 'read_committed',  # the pipeline writes candles in transactions
    'value.deserializer': ProtobufDeserializer(candle_type),
})
consumer.subscribe([topic])
try:
    while True:
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            print(message.error(), file=sys.stderr)
            continue
        print(MessageToJson(message.value(), indent=None))
except KeyboardInterrupt:
    pass
finally:
    consumer.close()
