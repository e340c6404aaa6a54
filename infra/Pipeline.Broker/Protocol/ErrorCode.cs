namespace Pipeline.Broker;

/// <summary>Kafka protocol error codes (the subset this broker returns).</summary>
internal enum ErrorCode : short
{
    UnknownServerError = -1, None = 0, OffsetOutOfRange = 1, CorruptMessage = 2, UnknownTopicOrPartition = 3,
    LeaderNotAvailable = 5, RequestTimedOut = 7, MessageTooLarge = 10, CoordinatorNotAvailable = 15,
    NotCoordinator = 16, InvalidTopicException = 17, RecordListTooLarge = 18, InvalidRequiredAcks = 21,
    IllegalGeneration = 22, InconsistentGroupProtocol = 23, InvalidGroupId = 24, UnknownMemberId = 25,
    InvalidSessionTimeout = 26, RebalanceInProgress = 27, InvalidTimestamp = 32, UnsupportedVersion = 35,
    TopicAlreadyExists = 36, InvalidPartitions = 37, InvalidReplicationFactor = 38, InvalidReplicaAssignment = 39,
    InvalidConfig = 40, InvalidRequest = 42, UnsupportedForMessageFormat = 43, PolicyViolation = 44,
    OutOfOrderSequenceNumber = 45, DuplicateSequenceNumber = 46, InvalidProducerEpoch = 47, InvalidTxnState = 48,
    InvalidProducerIdMapping = 49, InvalidTransactionTimeout = 50, ConcurrentTransactions = 51,
    OperationNotAttempted = 55, KafkaStorageError = 56, UnknownProducerId = 59, NonEmptyGroup = 68,
    GroupIdNotFound = 69, UnknownLeaderEpoch = 75, UnsupportedCompressionType = 76, MemberIdRequired = 79,
    GroupSubscribedToTopic = 86, InvalidRecord = 87, UnstableOffsetCommit = 88,
}
