# kafka-python (its own protocol implementation) against the broker, at the level of single requests: old API versions,
# idempotent sequence rules, replica assignment validation and DescribeConfigs. Prints one JSON object.
# Usage: python3 kafka_python_faults.py HOST:PORT TOPIC
import json
import select
import socket
import sys
import time

from kafka.conn import BrokerConnection
from kafka.protocol.admin import CreatePartitionsRequest, CreateTopicsRequest, DescribeConfigsRequest
from kafka.protocol.api import Request, Response
from kafka.protocol.commit import OffsetFetchRequest
from kafka.protocol.metadata import MetadataRequest
from kafka.protocol.offset import OffsetRequest
from kafka.protocol.produce import ProduceRequest
from kafka.protocol.types import Array, Boolean, Int16, Int32, Int64, Int8, Schema, String
from kafka.record.default_records import DefaultRecordBatchBuilder


class InitProducerIdResponse_v0(Response):
    API_KEY = 22
    API_VERSION = 0
    SCHEMA = Schema(('throttle_time_ms', Int32), ('error_code', Int16), ('producer_id', Int64), ('producer_epoch', Int16))


class InitProducerIdRequest_v0(Request):
    # kafka-python 2.0.2 has no idempotent producer; the request is declared with its own schema types.
    API_KEY = 22
    API_VERSION = 0
    RESPONSE_TYPE = InitProducerIdResponse_v0
    SCHEMA = Schema(('transactional_id', String('utf-8')), ('transaction_timeout_ms', Int32))


host, port = sys.argv[1].rsplit(':', 1)
topic = sys.argv[2]
conn = BrokerConnection(host, int(port), socket.AF_INET, api_version=(2, 4, 0), request_timeout_ms=10000)
if not conn.connect_blocking(10):
    sys.exit('cannot connect to ' + sys.argv[1])


def call(request):
    future = conn.send(request)
    deadline = time.time() + 10
    while not future.is_done:
        if time.time() > deadline or conn.disconnected():
            return None
        select.select([conn._sock], [], [], 0.05)
        for response, completed in conn.recv():  # kafka-python leaves completing futures to its poll loop
            completed.success(response)
    if future.failed():
        sys.stderr.write("request %r failed: %r\n" % (request, future.exception))
        return None
    return future.value


result = {}

# 1. Old versions: Metadata v0 (all topics, then one), ListOffsets v0, OffsetFetch v0 are answered, not closed.
md = call(MetadataRequest[0]([]))
result['metadata_v0_all'] = None if md is None else sorted(t[1] for t in md.topics)
md = call(MetadataRequest[0]([topic]))
result['metadata_v0_topic'] = None if md is None else [(t[0], t[1], len(t[2])) for t in md.topics]

# 2. Idempotent sequences (ProducerStateManager): 0..2 then 1..3 must be OUT_OF_ORDER_SEQUENCE_NUMBER (45), never
#    DUPLICATE_SEQUENCE_NUMBER (46), which clients take for "already written".
init = call(InitProducerIdRequest_v0(None, 60000))
pid, epoch = init.producer_id, init.producer_epoch


def produce(first_seq, values):
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=0, producer_id=pid,
                                        producer_epoch=epoch, base_sequence=first_seq, batch_size=1 << 20)
    for i, v in enumerate(values):
        builder.append(i, timestamp=int(time.time() * 1000), key=None, value=v.encode(), headers=[])
    resp = call(ProduceRequest[3](transactional_id=None, required_acks=-1, timeout=10000,
                                  topics=[(topic, [(0, bytes(builder.build()))])]))
    part = resp.topics[0][1][0]
    return {'error': part[1], 'offset': part[2]}


result['seq_0_2'] = produce(0, ['a0', 'a1', 'a2'])
result['seq_1_3_overlapping'] = produce(1, ['a1', 'a2', 'a3'])
result['seq_0_2_retry'] = produce(0, ['a0', 'a1', 'a2'])
result['seq_5_gap'] = produce(5, ['a5'])
result['seq_3_next'] = produce(3, ['a3'])

lo = call(OffsetRequest[0](-1, [(topic, [(0, -1, 10), (0, -2, 1)])]))
result['list_offsets_v0'] = None if lo is None else [(p[0], p[1], list(p[2])) for p in lo.topics[0][1]]
of = call(OffsetFetchRequest[0]('no-such-group', [(topic, [0])]))
result['offset_fetch_v0'] = None if of is None else [(p[0], p[1], p[3]) for p in of.topics[0][1]]

# 3. Replica assignments: a broker that does not exist, and the wrong number of new partitions' assignments.
ct = call(CreateTopicsRequest[1]([(topic + '-assigned', -1, -1, [(0, [2])], [])], 10000, False))
result['create_topic_unknown_broker'] = ct.topic_errors[0][1]
ct = call(CreateTopicsRequest[1]([(topic + '-twice', -1, -1, [(0, [1, 1])], [])], 10000, False))
result['create_topic_broker_twice'] = ct.topic_errors[0][1]
ct = call(CreateTopicsRequest[1]([(topic + '-good', -1, -1, [(0, [1]), (1, [1])], [])], 10000, False))
result['create_topic_valid_assignment'] = ct.topic_errors[0][1]
cp = call(CreatePartitionsRequest[0]([(topic, (3, [[1]]))], 10000, False))
result['create_partitions_too_few_assignments'] = cp.topic_errors[0][1]
cp = call(CreatePartitionsRequest[0]([(topic, (2, [[7]]))], 10000, False))
result['create_partitions_unknown_broker'] = cp.topic_errors[0][1]
cp = call(CreatePartitionsRequest[0]([(topic, (2, [[1]]))], 10000, False))
result['create_partitions_valid'] = cp.topic_errors[0][1]

# 4. DescribeConfigs v1 with synonyms, for the topic and for broker 1.
dc = call(DescribeConfigsRequest[1]([(2, topic, None), (4, '1', None)], True))
configs = {}
for res in dc.resources:
    entries = {}
    for e in res[4]:
        entries[e[0]] = {'value': e[1], 'read_only': e[2], 'synonyms': [[s[0], s[1], s[2]] for s in e[5]]}
    configs['topic' if res[2] == 2 else 'broker'] = {'error': res[0], 'entries': entries}
result['describe_configs'] = configs
print(json.dumps(result))
