namespace Pipeline.Broker;

/// <summary>Kafka's DescribeConfigs v3 config_type values.</summary>
internal enum DescribedConfigType : sbyte
{
    Unknown = 0,
    Boolean = 1,
    String = 2,
    Int = 3,
    Short = 4,
    Long = 5,
    Double = 6,
    List = 7,
}
