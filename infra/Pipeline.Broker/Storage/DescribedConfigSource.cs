namespace Pipeline.Broker;

/// <summary>Kafka's DescribeConfigs config_source values.</summary>
internal enum DescribedConfigSource : sbyte
{
    Unknown = 0,
    DynamicTopicConfig = 1,
    DynamicBrokerConfig = 2,
    DynamicDefaultBrokerConfig = 3,
    StaticBrokerConfig = 4,
    DefaultConfig = 5,
}
