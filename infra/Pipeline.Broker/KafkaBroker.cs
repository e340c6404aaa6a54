using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipeline.Broker;

/// <summary>
/// The embedded single-node Kafka-compatible broker: one TCP listener, topic logs on disk, and the group and
/// transaction coordinators. Start with <see cref="StartAsync"/>; <see cref="StopAsync"/> shuts down cleanly.
/// </summary>
public sealed class KafkaBroker : IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly Socket _listener;
    private readonly LogManager _logs;
    private readonly IDisposable _logSizeMetrics;
    private readonly GroupCoordinator _groups;
    private readonly TransactionCoordinator _transactions;
    private readonly KafkaApis _apis;
    private readonly FileStream _dirLock;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<ClientConnection, Task> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;
    private Task _maintenanceLoop = Task.CompletedTask;
    private int _stopped;

    public int Port { get; }
    public string AdvertisedHost { get; }
    public string BootstrapServers => $"{AdvertisedHost}:{Port}";

    private KafkaBroker(BrokerOptions options, ILoggerFactory loggerFactory, Socket listener, FileStream dirLock)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger("Pipeline.Broker");
        _listener = listener;
        _dirLock = dirLock;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        AdvertisedHost = options.AdvertisedHost ?? (options.Host is "0.0.0.0" or "::" or "" ? "127.0.0.1" : options.Host);
        _logs = new LogManager(options, loggerFactory.CreateLogger("Pipeline.Broker.Log"));
        _groups = new GroupCoordinator(options, loggerFactory.CreateLogger("Pipeline.Broker.Groups"));
        _transactions = new TransactionCoordinator(options, _logs, _groups, loggerFactory.CreateLogger("Pipeline.Broker.Transactions"));
        _apis = new KafkaApis(options, _logs, _groups, _transactions, () => (AdvertisedHost, Port), _logger);
        _logSizeMetrics = BrokerMetrics.Track(_logs);
    }

    public static Task<KafkaBroker> StartAsync(BrokerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is < 0 or > 65535)
            throw new ArgumentException($"Port {options.Port} is not a TCP port (0..65535).", nameof(options));
        if (options.DefaultPartitions < 1)
            throw new ArgumentException("DefaultPartitions must be at least 1.", nameof(options));
        if (string.IsNullOrWhiteSpace(options.DataDir))
            throw new ArgumentException("DataDir is required.", nameof(options));
        if (options.MaxRequestBytes < 1024)
            throw new ArgumentException("MaxRequestBytes must be at least 1024.", nameof(options));
        if (options.MaxMessageBytes < 1024 || options.MaxMessageBytes > options.MaxRequestBytes)
            throw new ArgumentException("MaxMessageBytes must be at least 1024 and at most MaxRequestBytes.", nameof(options));
        if (options.DefaultSegmentBytes < 1024)
            throw new ArgumentException("DefaultSegmentBytes must be at least 1024.", nameof(options));
        if (options.RetentionCheckInterval <= TimeSpan.Zero)
            throw new ArgumentException("RetentionCheckInterval must be positive.", nameof(options));
        if (options.FlushInterval is { } flush && flush <= TimeSpan.Zero)
            throw new ArgumentException("FlushInterval must be positive (or null for the OS page cache).", nameof(options));
        if (options.ConnectionDropProbability is < 0 or > 1)
            throw new ArgumentException("ConnectionDropProbability must be between 0 and 1.", nameof(options));
        ct.ThrowIfCancellationRequested();
        loggerFactory ??= NullLoggerFactory.Instance;
        Directory.CreateDirectory(options.DataDir);
        FileStream dirLock;
        try
        {
            dirLock = new FileStream(Path.Combine(options.DataDir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new DataDirectoryInUseException(options.DataDir, e);
        }
        var address =
            options.Host is "" or "0.0.0.0" ? IPAddress.Any
            : options.Host == "::" ? IPAddress.IPv6Any
            : IPAddress.TryParse(options.Host, out var ip) ? ip
            // "localhost": IPv4 first
            : Dns.GetHostAddresses(options.Host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(address, options.Port));
            listener.Listen(512);
        }
        catch (SocketException)
        {
            // Propagated as is: callers tell "address in use" (SocketError.AddressAlreadyInUse) from other causes.
            listener.Dispose();
            dirLock.Dispose();
            throw;
        }
        KafkaBroker broker;
        try
        {
            broker = new KafkaBroker(options, loggerFactory, listener, dirLock);
        }
        catch
        {
            listener.Dispose();
            dirLock.Dispose();
            throw;
        }
        broker._acceptLoop = Task.Run(broker.AcceptLoopAsync);
        broker._maintenanceLoop = Task.Run(broker.MaintenanceLoopAsync);
        broker._logger.LogInformation(
            "Broker listening on {Bootstrap} (data in {DataDir})",
            broker.BootstrapServers,
            Path.GetFullPath(options.DataDir)
        );
        return Task.FromResult(broker);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested)
                    return;
                continue;
            }
            socket.NoDelay = true;
            var connection = new ClientConnection(socket, _apis, _options, _logger);
            var task = Task.Run(() => connection.RunAsync(_stopping.Token));
            _connections[connection] = task;
            _ = task.ContinueWith(_ => _connections.TryRemove(connection, out Task? _), TaskScheduler.Default);
        }
    }

    private async Task MaintenanceLoopAsync()
    {
        var nextClean = DateTime.UtcNow + _options.RetentionCheckInterval;
        var nextFlush = _options.FlushInterval is { } f ? DateTime.UtcNow + f : DateTime.MaxValue;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(100, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                _groups.Tick();
                _transactions.Tick();
                var now = DateTime.UtcNow;
                if (now >= nextClean)
                {
                    _logs.RunCleaner();
                    nextClean = now + _options.RetentionCheckInterval;
                }
                if (now >= nextFlush)
                {
                    _logs.FlushAll();
                    nextFlush = now + _options.FlushInterval!.Value;
                }
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Broker maintenance failed; continuing");
            }
        }
    }

    internal LogManager Logs => _logs;

    /// <summary>Runs retention and compaction now (tests and tools; normally periodic).</summary>
    public void RunCleanerNow() => _logs.RunCleaner();

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
            return;
        _stopping.Cancel();
        _listener.Dispose();
        _groups.FailPendingRequests();
        foreach (var c in _connections.Keys)
            c.Close();
        try
        {
            await Task.WhenAll(_connections.Values.Append(_acceptLoop).Append(_maintenanceLoop)).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException) { }
        _logSizeMetrics.Dispose();
        _transactions.Dispose();
        _groups.Dispose();
        _logs.FlushAll();
        _logs.Dispose();
        _dirLock.Dispose();
        _logger.LogInformation("Broker stopped");
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
