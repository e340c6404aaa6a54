// librdkafka's built-in mock cluster, hosted through its C API: only a reference point for the broker benchmark (bench only). Plain
// produce/consume only;
// it is not faithful for transactions, offsets in transactions, timestamps or retention (see README limits).
using System.Runtime.InteropServices;
using System.Text;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;

namespace Pipeline.Benchmarks.Broker;

public sealed class MockKafkaCluster : IDisposable
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr ConfNew();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int ConfSet(
        IntPtr conf,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string value,
        StringBuilder err,
        UIntPtr errSize
    );

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr KafkaNew(int type, IntPtr conf, StringBuilder err, UIntPtr errSize);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr HandleMockCluster(IntPtr rk);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr MockBootstraps(IntPtr mcluster);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MockTopicCreate(
        IntPtr mcluster,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string topic,
        int partitions,
        int replicationFactor
    );

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void KafkaDestroy(IntPtr rk);

    private IntPtr _handle;
    private readonly KafkaDestroy _destroy;

    private MockKafkaCluster(IntPtr handle, string bootstrap, KafkaDestroy destroy)
    {
        _handle = handle;
        BootstrapServers = bootstrap;
        _destroy = destroy;
    }

    public string BootstrapServers { get; }

    public static MockKafkaCluster Start(int brokers, int partitions, IEnumerable<TopicSpec>? topics = null)
    {
        LibrdkafkaLoader.EnsureLoaded();
        var lib = NativeLibrary.Load(LibrdkafkaLoader.LoadedFrom!);
        T F<T>(string name)
            where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(lib, name));

        var err = new StringBuilder(512);
        var conf = F<ConfNew>("rd_kafka_conf_new")();
        if (F<ConfSet>("rd_kafka_conf_set")(conf, "test.mock.num.brokers", brokers.ToString(), err, (UIntPtr)err.Capacity) != 0)
            throw new InvalidOperationException($"mock cluster: {err}");
        var rk = F<KafkaNew>("rd_kafka_new")(0, conf, err, (UIntPtr)err.Capacity);
        if (rk == IntPtr.Zero)
            throw new InvalidOperationException($"mock cluster: {err}");
        var mcluster = F<HandleMockCluster>("rd_kafka_handle_mock_cluster")(rk);
        var bootstrap = Marshal.PtrToStringUTF8(F<MockBootstraps>("rd_kafka_mock_cluster_bootstraps")(mcluster))!;
        var create = F<MockTopicCreate>("rd_kafka_mock_topic_create");
        foreach (var t in topics ?? TopicCatalog.All)
        {
            var rc = create(mcluster, t.Name, t.Partitions ?? partitions, 1);
            if (rc != 0)
                throw new InvalidOperationException($"mock cluster: creating topic {t.Name} failed with error {rc}");
        }
        return new MockKafkaCluster(rk, bootstrap, F<KafkaDestroy>("rd_kafka_destroy"));
    }

    public void Dispose()
    {
        if (_handle != IntPtr.Zero)
            _destroy(_handle);
        _handle = IntPtr.Zero;
    }
}
