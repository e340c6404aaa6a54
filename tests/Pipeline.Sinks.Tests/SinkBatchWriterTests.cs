// The sink's batch writer as a state machine (Idle | Writing | Held | Draining): each transition, driven by failures a
// real PostgreSQL server produced. Positions are what exactly-once rests on, so each test checks what is remembered.
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Topics;
using Pipeline.Testing;
using static Pipeline.Sinks.Tests.SinkRecords;

namespace Pipeline.Sinks.Tests;

public sealed class SinkBatchWriterTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100),
        Max = TimeSpan.FromSeconds(10);
    private static readonly TopicPartition P0 = new(TopicCatalog.ValidTrades.Name, 0),
        P1 = new(TopicCatalog.ValidTrades.Name, 1);

    private static (SinkBatchWriter Writer, ScriptedSinkHost Host, SinkPositions Positions) NewWriter()
    {
        var host = new ScriptedSinkHost();
        var positions = new SinkPositions("writer-test");
        var writer = new SinkBatchWriter(host, positions, Initial, Max, NullLogger.Instance);
        host.Writer = writer;
        return (writer, host, positions);
    }

    /// <summary>Trades at offsets 10..14 of partition 0 and 20..22 of partition 1.</summary>
    private static SinkBatch TwoPartitionBatch()
    {
        var batch = new SinkBatch();
        for (var o = 10; o < 15; o++)
            batch.Add(new TopicPartitionOffset(P0, o), Trade(o, "100", "1", Day + o));
        for (var o = 20; o < 23; o++)
            batch.Add(new TopicPartitionOffset(P1, o), Trade(o, "100", "1", Day + o));
        return batch;
    }

    [Fact]
    public async Task Writing_turns_held_on_a_transient_sql_state_and_back_to_writing_after_each_backoff()
    {
        var (writer, host, positions) = NewWriter();
        host.Fails(await RealDatabaseFailures.AdminShutdownAsync()).Fails(await RealDatabaseFailures.TooManyConnectionsAsync()).Succeeds();

        writer.Start(TwoPartitionBatch(), CancellationToken.None);
        Assert.IsType<SinkWriteState.Writing>(writer.State);
        await writer.SettleAsync(CancellationToken.None);

        Assert.IsType<SinkWriteState.Idle>(writer.State);
        Assert.Equal([1, 2], host.StatesWhileWaiting.Select(s => Assert.IsType<SinkWriteState.Held>(s).FailedAttempts));
        // Equal jitter: the n-th wait lies between half and all of Initial·2^(n-1).
        Assert.InRange(host.Waits[0], Initial / 2, Initial);
        Assert.InRange(host.Waits[1], Initial, Initial * 2);
        Assert.Equal(3, host.Written.Count);
        Assert.Equal(2, host.TransientFailures);
        var commit = Assert.Single(host.Commits);
        Assert.True(commit.CommitLag);
        Assert.Equal(new Dictionary<TopicPartition, long> { [P0] = 15, [P1] = 23 }, positions.Snapshot());
    }

    [Fact]
    public async Task A_serialization_failure_is_retried_like_an_outage()
    {
        var (writer, host, positions) = NewWriter();
        host.Fails(await RealDatabaseFailures.SerializationFailureAsync()).Succeeds();

        writer.Start(TwoPartitionBatch(), CancellationToken.None);
        await writer.SettleAsync(CancellationToken.None);

        Assert.IsType<SinkWriteState.Idle>(writer.State);
        Assert.Single(host.Waits);
        Assert.Equal(23, positions.Snapshot()[P1]);
    }

    [Theory]
    [InlineData("22P02")]
    [InlineData("23505")]
    public async Task A_data_error_is_not_retried_and_stops_the_sink_holding_its_batch(string sqlState)
    {
        var (writer, host, positions) = NewWriter();
        var failure =
            sqlState == "22P02"
                ? await RealDatabaseFailures.InvalidTextRepresentationAsync()
                : await RealDatabaseFailures.UniqueViolationAsync();
        host.Fails(failure);

        writer.Start(TwoPartitionBatch(), CancellationToken.None);
        var thrown = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => writer.SettleAsync(CancellationToken.None));

        Assert.Equal(sqlState, thrown.SqlState);
        Assert.Empty(host.Waits);
        Assert.Equal(0, host.TransientFailures);
        Assert.Equal(8, Assert.IsType<SinkWriteState.Held>(writer.State).Batch.Count);
        Assert.Empty(positions.Snapshot());
    }

    [Fact]
    public async Task An_ownership_loss_drops_the_batch_and_reads_again_from_the_stored_positions()
    {
        var (writer, host, positions) = NewWriter();
        host.Fails(new SinkOwnershipLostException("the stored position of trades.valid[0] moved"));

        var batch = TwoPartitionBatch();
        writer.Start(batch, CancellationToken.None);
        await writer.SettleAsync(CancellationToken.None);

        Assert.IsType<SinkWriteState.Idle>(writer.State);
        Assert.Equal(1, host.Reseeks);
        Assert.True(batch.IsEmpty);
        Assert.Empty(host.Commits);
        Assert.Empty(host.Waits);
        Assert.Empty(positions.Snapshot());
    }

    [Fact]
    public async Task A_rebalance_drains_the_write_in_flight_and_stores_its_positions_before_the_partitions_move()
    {
        var (writer, host, positions) = NewWriter();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.WaitsFor(gate.Task);

        writer.Start(TwoPartitionBatch(), CancellationToken.None);
        var callback = Task.Run(writer.DrainForRebalance);
        await Eventually.TrueAsync(() => Task.FromResult(writer.State is SinkWriteState.Draining), what: "the writer to drain");
        Assert.False(callback.IsCompleted, "the rebalance callback returned before the write in flight finished");
        gate.SetResult();
        await callback;

        Assert.IsType<SinkWriteState.Idle>(writer.State);
        var commit = Assert.Single(host.Commits);
        Assert.False(commit.CommitLag); // no offset commit inside a rebalance callback
        Assert.Equal(new Dictionary<TopicPartition, long> { [P0] = 15, [P1] = 23 }, positions.Snapshot());
    }

    [Fact]
    public async Task A_write_failing_during_a_rebalance_is_abandoned_when_every_partition_of_it_is_revoked()
    {
        var (writer, host, positions) = NewWriter();
        host.Fails(await RealDatabaseFailures.AdminShutdownAsync());

        writer.Start(TwoPartitionBatch(), CancellationToken.None);
        writer.DrainForRebalance();
        Assert.IsType<SinkWriteState.Held>(writer.State);
        writer.Revoke([P0, P1]);
        await writer.SettleAsync(CancellationToken.None);

        Assert.IsType<SinkWriteState.Idle>(writer.State);
        Assert.Single(host.Written); // never retried: the new owner reads it again from the stored positions
        Assert.Empty(host.Commits);
        Assert.Empty(positions.Snapshot());
    }

    [Fact]
    public async Task A_held_batch_keeps_only_the_partitions_still_owned_after_a_rebalance_during_its_backoff()
    {
        var (writer, host, positions) = NewWriter();
        host.Fails(await RealDatabaseFailures.AdminShutdownAsync()).Succeeds();
        host.DuringNextWait = () => writer.Revoke([P0]);

        writer.Start(TwoPartitionBatch(), CancellationToken.None);
        await writer.SettleAsync(CancellationToken.None);

        Assert.IsType<SinkWriteState.Idle>(writer.State);
        Assert.Equal((1, 3), host.Written[1]); // the retry wrote partition 1's three trades only
        Assert.Equal(new Dictionary<TopicPartition, long> { [P1] = 23 }, positions.Snapshot());
    }

    [Fact]
    public async Task Shutdown_drain_writes_the_held_batch_and_then_the_unwritten_one_once_the_database_answers()
    {
        var (writer, host, positions) = NewWriter();
        host.Fails(await RealDatabaseFailures.AdminShutdownAsync()).Succeeds().Succeeds();
        writer.Start(TwoPartitionBatch(), CancellationToken.None);
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();
        await writer.SettleAsync(stopped.Token); // cancelled: the failed batch stays held for the drain
        Assert.IsType<SinkWriteState.Held>(writer.State);
        var unwritten = new SinkBatch();
        unwritten.Add(new TopicPartitionOffset(P0, 15), Trade(15, "100", "1", Day + 15));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await writer.DrainAsync(unwritten, deadline.Token);

        Assert.IsType<SinkWriteState.Idle>(writer.State);
        Assert.Equal(3, host.Written.Count);
        Assert.Equal(new Dictionary<TopicPartition, long> { [P0] = 16, [P1] = 23 }, positions.Snapshot());
    }

    [Fact]
    public async Task Shutdown_drain_leaves_the_batch_unwritten_and_its_positions_unstored_while_the_database_is_down()
    {
        var (writer, host, positions) = NewWriter();
        host.Fails(await RealDatabaseFailures.AdminShutdownAsync()).Fails(await RealDatabaseFailures.AdminShutdownAsync());
        var batch = TwoPartitionBatch();
        writer.Start(batch, CancellationToken.None);
        writer.DrainForRebalance();

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await writer.DrainAsync(new SinkBatch(), deadline.Token);

        Assert.IsType<SinkWriteState.Idle>(writer.State);
        Assert.Equal(2, host.Written.Count);
        Assert.Empty(host.Commits);
        Assert.Empty(positions.Snapshot()); // read again on the next start
    }

    [Fact]
    public void A_second_batch_cannot_start_while_one_is_written()
    {
        var (writer, host, _) = NewWriter();
        host.WaitsFor(new TaskCompletionSource().Task);
        writer.Start(TwoPartitionBatch(), CancellationToken.None);

        Assert.Throws<InvalidOperationException>(() => writer.Start(TwoPartitionBatch(), CancellationToken.None));
    }
}
