namespace TelemetryPipeline.State.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisLeaseTests(RedisFixture redis)
{
    [Fact]
    public async Task TryAcquireLeaseAsync_WhileHeld_SecondHolderGetsNull()
    {
        RedisTelemetryStore store = redis.Store();

        await using RedisLease? first = await store.TryAcquireLeaseAsync("settlement", TimeSpan.FromSeconds(30), CancellationToken.None);
        RedisLease? second = await store.TryAcquireLeaseAsync("settlement", TimeSpan.FromSeconds(30), CancellationToken.None);

        first.Should().NotBeNull();
        first!.Key.Should().EndWith(":lease:settlement");
        second.Should().BeNull();
    }

    [Fact]
    public async Task ReleaseAsync_ByHolder_LetsTheNextOneAcquire()
    {
        RedisTelemetryStore store = redis.Store();
        RedisLease? first = await store.TryAcquireLeaseAsync("settlement", TimeSpan.FromSeconds(30), CancellationToken.None);

        (await first!.ReleaseAsync(CancellationToken.None)).Should().BeTrue();

        await using RedisLease? next = await store.TryAcquireLeaseAsync("settlement", TimeSpan.FromSeconds(30), CancellationToken.None);
        next.Should().NotBeNull();
    }

    [Fact]
    public async Task RenewAndRelease_AfterExpiryAndTakeover_DoNotTouchTheNewHolder()
    {
        RedisTelemetryStore store = redis.Store();
        RedisLease? stale = await store.TryAcquireLeaseAsync("settlement", TimeSpan.FromMilliseconds(100), CancellationToken.None);
        await Task.Delay(250);
        await using RedisLease? current = await store.TryAcquireLeaseAsync("settlement", TimeSpan.FromSeconds(30), CancellationToken.None);

        bool renewed = await stale!.RenewAsync(CancellationToken.None);
        bool released = await stale.ReleaseAsync(CancellationToken.None);

        current.Should().NotBeNull("the stale lease expired");
        renewed.Should().BeFalse();
        released.Should().BeFalse();
        (await store.TryAcquireLeaseAsync("settlement", TimeSpan.FromSeconds(30), CancellationToken.None)).Should().BeNull("the current holder keeps it");
    }

    [Fact]
    public async Task RenewAsync_ByHolder_ExtendsTheLease()
    {
        RedisTelemetryStore store = redis.Store();
        await using RedisLease? lease = await store.TryAcquireLeaseAsync("settlement", TimeSpan.FromSeconds(2), CancellationToken.None);

        for (int i = 0; i < 5; i++)
        {
            await Task.Delay(500);
            (await lease!.RenewAsync(CancellationToken.None)).Should().BeTrue();
        }

        (await store.TryAcquireLeaseAsync("settlement", TimeSpan.FromSeconds(1), CancellationToken.None)).Should().BeNull("renewals kept it alive past its first 2 s");
    }
}
