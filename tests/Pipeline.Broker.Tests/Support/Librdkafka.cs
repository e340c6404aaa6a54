using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Pipeline.Broker.Tests;

/// <summary>Points Confluent.Kafka at the librdkafka 2.15.1 copied next to the tests (once per process).</summary>
public static class Librdkafka
{
    private static int _done;

    public static void EnsureLoaded()
    {
        if (Interlocked.Exchange(ref _done, 1) != 0) return;
        NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, (name, _, _) =>
            name.Contains("librdkafka") ? NativeLibrary.Load(Path.Combine(AppContext.BaseDirectory, "librdkafka.so")) : IntPtr.Zero);
    }
}
