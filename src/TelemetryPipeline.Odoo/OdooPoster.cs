using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;

namespace TelemetryPipeline.Odoo;

/// <summary>
/// Posts approved allocations to Odoo, idempotently: each record carries its external id in <c>ref</c> (the
/// allocation line id, or the allocation id for a draft move), and every batch first looks those refs up and
/// creates only what is missing, in one create call of at most <see cref="OdooOptions.BatchSize"/> records.
/// "Look up, then create the missing" is the unit that is retried (transport errors, 5xx) behind a circuit
/// breaker, so a create whose answer was lost is never repeated. When Odoo refuses a batch, its allocations
/// are posted one by one so that only the culprit fails (<c>post_failed</c> with Odoo's message).
/// </summary>
public sealed partial class OdooPoster
{
    private const string AnalyticLineModel = "account.analytic.line";
    private const string MoveModel = "account.move";

    private readonly IOdooClient _client;
    private readonly OdooOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Creates a poster; keep one per process so the circuit breaker sees every call.</summary>
    public OdooPoster(IOdooClient client, OdooOptions options, ILogger<OdooPoster>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _pipeline = OdooResilience.Build(options, _logger, timeProvider);
    }

    /// <summary>
    /// Posts the allocations and returns one outcome per input, in input order. Never throws for Odoo failures:
    /// they become outcomes with <see cref="PostingOutcome.Posted"/> false. Posting the same allocations again
    /// creates nothing and returns the same ids.
    /// </summary>
    public async Task<IReadOnlyList<PostingOutcome>> PostAsync(IReadOnlyList<OdooPostingInput> allocations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(allocations);
        var run = new PostingRun(allocations);
        if (run.Unique.Count == 0)
        {
            return [];
        }

        PostingContext context;
        try
        {
            context = await _pipeline.ExecuteAsync(token => new ValueTask<PostingContext>(LoadContextAsync(run, token)), ct).ConfigureAwait(false);
        }
        catch (OdooException ex)
        {
            run.FailRemaining(0, $"Odoo lookup before posting failed: {ex.OdooMessage}");
            return Finish(run);
        }
        catch (BrokenCircuitException)
        {
            run.FailRemaining(0, CircuitOpenMessage);
            return Finish(run);
        }

        var pending = new List<PendingRecord>();
        for (var index = 0; index < run.Unique.Count; index++)
        {
            var allocation = run.Unique[index];
            var before = pending.Count;
            var problem = _options.PostsDraftMoves
                ? PrepareDraftMove(allocation, index, context, pending)
                : PrepareAnalyticLines(allocation, index, context, pending);
            if (problem is not null)
            {
                pending.RemoveRange(before, pending.Count - before);
                run.States[index].Fail($"not sent to Odoo: {problem}");
            }
            else
            {
                run.States[index].Expect(pending.Count - before);
            }
        }

        var chunks = Chunk(pending, _options.BatchSize);
        for (var c = 0; c < chunks.Count; c++)
        {
            if (!await PostChunkAsync(run, chunks[c], ct).ConfigureAwait(false))
            {
                // Credentials, rights or an open circuit: every later chunk would fail the same way.
                for (var rest = c + 1; rest < chunks.Count; rest++)
                {
                    foreach (var record in chunks[rest])
                    {
                        run.States[record.AllocationIndex].Fail(run.AbortReason!);
                    }
                }

                break;
            }
        }

        return Finish(run);
    }

    /// <summary><c>[["id", "=", id]]</c>: search_read answers [] for a missing record where read raises MissingError.</summary>
    internal static JsonArray ById(long id) => OdooDomain.Of(OdooDomain.Leaf("id", "=", id));

    private const string CircuitOpenMessage = "Odoo is failing repeatedly (circuit open); not attempted, retry later";

    private string Model => _options.PostsDraftMoves ? MoveModel : AnalyticLineModel;

    private async Task<PostingContext> LoadContextAsync(PostingRun run, CancellationToken ct)
    {
        var projects = new HashSet<string>(StringComparer.Ordinal);
        var costCodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var allocation in run.Unique)
        {
            projects.Add(allocation.ProjectCode);
            costCodes.Add(allocation.CostCode);
        }

        var catalog = await OdooAnalyticCatalog.LoadAsync(_client, _options, projects, costCodes, ct).ConfigureAwait(false);
        var companies = await _client.SearchReadAsync("res.company", ById(_options.CompanyId), ["name", "currency_id"], ct: ct).ConfigureAwait(false);
        if (companies.Count == 0)
        {
            throw new OdooException(OdooErrorKind.MissingRecord, $"company {_options.CompanyId} ({OdooOptions.Key(nameof(OdooOptions.CompanyId))}) not found", false, operation: "res.company.read");
        }

        var currency = companies[0]["currency_id"] is JsonArray { Count: > 1 } pair ? OdooCalls.Text(pair[1]) : null;
        string? accountsProblem = null;
        if (_options.PostsDraftMoves)
        {
            accountsProblem = await CheckMoveSetupAsync(ct).ConfigureAwait(false);
        }

        return new PostingContext(catalog, currency, accountsProblem);
    }

    /// <summary>Posts one chunk; false when posting must stop (credentials, rights, open circuit).</summary>
    private async Task<bool> PostChunkAsync(PostingRun run, IReadOnlyList<PendingRecord> chunk, CancellationToken ct)
    {
        try
        {
            var ids = await LookUpThenCreateAsync(chunk, ct).ConfigureAwait(false);
            Assign(run, chunk, ids);
            return true;
        }
        catch (OdooException ex) when (ex.Kind is OdooErrorKind.Validation or OdooErrorKind.MissingRecord)
        {
            return await IsolateAsync(run, chunk, ex, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OdooException or BrokenCircuitException)
        {
            return FailChunk(run, chunk, ex);
        }
    }

    /// <summary>Odoo refused the batch: post its allocations one by one so only the culprit fails.</summary>
    private async Task<bool> IsolateAsync(PostingRun run, IReadOnlyList<PendingRecord> chunk, OdooException batchError, CancellationToken ct)
    {
        var byAllocation = GroupByAllocation(chunk);
        if (byAllocation.Count == 1)
        {
            run.States[chunk[0].AllocationIndex].Fail($"Odoo refused it: {batchError.OdooMessage}");
            _logger.LogWarning("Odoo refused allocation {AllocationId}: {Message}", run.Unique[chunk[0].AllocationIndex].AllocationId, batchError.OdooMessage);
            return true;
        }

        _logger.LogInformation("Odoo refused a batch of {Count} allocations ({Message}); posting them one by one to isolate the culprit", byAllocation.Count, batchError.OdooMessage);
        foreach (var records in byAllocation)
        {
            try
            {
                var ids = await LookUpThenCreateAsync(records, ct).ConfigureAwait(false);
                Assign(run, records, ids);
            }
            catch (OdooException ex) when (ex.Kind is OdooErrorKind.Validation or OdooErrorKind.MissingRecord)
            {
                run.States[records[0].AllocationIndex].Fail($"Odoo refused it: {ex.OdooMessage}");
                _logger.LogWarning("Odoo refused allocation {AllocationId}: {Message}", run.Unique[records[0].AllocationIndex].AllocationId, ex.OdooMessage);
            }
            catch (Exception ex) when (ex is OdooException or BrokenCircuitException)
            {
                if (!FailChunk(run, records, ex))
                {
                    foreach (var rest in byAllocation)
                    {
                        run.States[rest[0].AllocationIndex].FailIfOpen(run.AbortReason!);
                    }

                    return false;
                }
            }
        }

        return true;
    }

    private bool FailChunk(PostingRun run, IReadOnlyList<PendingRecord> chunk, Exception ex)
    {
        string reason;
        var stop = false;
        switch (ex)
        {
            case BrokenCircuitException:
                reason = CircuitOpenMessage;
                stop = true;
                break;
            case OdooException { Kind: OdooErrorKind.Authentication or OdooErrorKind.AccessDenied } odoo:
                reason = $"Odoo {(odoo.Kind == OdooErrorKind.Authentication ? "refused the credentials" : "denied access")}: {odoo.OdooMessage}";
                stop = true;
                break;
            case OdooException { IsRetriable: true } odoo:
                reason = string.Create(CultureInfo.InvariantCulture, $"Odoo unavailable after {_options.MaxRetries + 1} attempts: {odoo.OdooMessage}");
                break;
            case OdooException odoo:
                reason = $"Odoo error: {odoo.OdooMessage}";
                break;
            default:
                reason = ex.GetType().Name;
                break;
        }

        foreach (var record in chunk)
        {
            run.States[record.AllocationIndex].FailIfOpen(reason);
        }

        _logger.LogWarning("Posting {Count} records to Odoo failed: {Reason}", chunk.Count, reason);
        if (stop)
        {
            run.AbortReason = reason;
        }

        return !stop;
    }

    /// <summary>The retried unit: look the chunk's refs up, create only the missing ones (one call), return ref → ids.</summary>
    private async Task<Dictionary<string, List<long>>> LookUpThenCreateAsync(IReadOnlyList<PendingRecord> records, CancellationToken ct) =>
        await _pipeline.ExecuteAsync(
            async token =>
            {
                var found = await LookUpAsync(records, token).ConfigureAwait(false);
                var missing = new List<PendingRecord>();
                foreach (var record in records)
                {
                    if (!found.ContainsKey(record.Ref))
                    {
                        missing.Add(record);
                    }
                }

                if (missing.Count > 0)
                {
                    var values = new List<JsonObject>(missing.Count);
                    foreach (var record in missing)
                    {
                        values.Add(record.Values);
                    }

                    var ids = await _client.CreateAsync(Model, values, token).ConfigureAwait(false);
                    for (var i = 0; i < missing.Count; i++)
                    {
                        found[missing[i].Ref] = [ids[i]];
                    }

                    _logger.LogDebug("Created {Count} {Model} records ({Existing} already in Odoo)", missing.Count, Model, records.Count - missing.Count);
                }

                return found;
            },
            ct).ConfigureAwait(false);

    private async Task<Dictionary<string, List<long>>> LookUpAsync(IReadOnlyList<PendingRecord> records, CancellationToken ct)
    {
        var refs = new List<string>(records.Count);
        foreach (var record in records)
        {
            refs.Add(record.Ref);
        }

        var domain = _options.PostsDraftMoves
            ? OdooDomain.Of(OdooDomain.In("ref", refs), OdooDomain.Leaf("move_type", "=", "entry"))
            : OdooDomain.Of(OdooDomain.In("ref", refs));
        var existing = await _client.SearchReadAsync(Model, domain, ["ref"], order: "id asc", ct: ct).ConfigureAwait(false);
        var found = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var record in existing)
        {
            if (OdooCalls.Text(record["ref"]) is not { } reference)
            {
                continue;
            }

            if (!found.TryGetValue(reference, out var ids))
            {
                ids = [];
                found[reference] = ids;
            }

            ids.Add(OdooCalls.Long(record["id"], Model + ".search_read"));
        }

        foreach (var (reference, ids) in found)
        {
            if (ids.Count > 1)
            {
                // Someone created it twice by other means; never add a third. Reconcile lists it.
                _logger.LogWarning("Odoo holds {Count} {Model} records with ref {Ref}; using the oldest", ids.Count, Model, reference);
            }
        }

        return found;
    }

    private static void Assign(PostingRun run, IReadOnlyList<PendingRecord> records, Dictionary<string, List<long>> ids)
    {
        foreach (var record in records)
        {
            if (ids.TryGetValue(record.Ref, out var found) && found.Count > 0)
            {
                run.States[record.AllocationIndex].Posted(record.Slot, found[0]);
            }
            else
            {
                run.States[record.AllocationIndex].FailIfOpen($"Odoo returned no id for {record.Ref}");
            }
        }
    }

    private IReadOnlyList<PostingOutcome> Finish(PostingRun run)
    {
        var posted = 0;
        var outcomes = new PostingOutcome[run.Input.Count];
        for (var i = 0; i < run.Input.Count; i++)
        {
            var state = run.States[run.UniqueIndexOf[i]];
            outcomes[i] = state.ToOutcome(run.Input[i].AllocationId);
            if (outcomes[i].Posted)
            {
                posted++;
            }
        }

        _logger.LogInformation("Odoo posting ({Mode}): {Posted} of {Total} allocations posted", _options.PostingMode, posted, outcomes.Length);
        return outcomes;
    }

    /// <summary>Chunks of at most <paramref name="size"/> records that keep an allocation together whenever it fits.</summary>
    private static List<List<PendingRecord>> Chunk(List<PendingRecord> records, int size)
    {
        var chunks = new List<List<PendingRecord>>();
        var current = new List<PendingRecord>(size);
        var i = 0;
        while (i < records.Count)
        {
            var allocation = records[i].AllocationIndex;
            var end = i;
            while (end < records.Count && records[end].AllocationIndex == allocation)
            {
                end++;
            }

            var count = end - i;
            if (current.Count > 0 && current.Count + count > size)
            {
                chunks.Add(current);
                current = new List<PendingRecord>(size);
            }

            for (var r = i; r < end; r++)
            {
                if (current.Count == size)
                {
                    chunks.Add(current);
                    current = new List<PendingRecord>(size);
                }

                current.Add(records[r]);
            }

            i = end;
        }

        if (current.Count > 0)
        {
            chunks.Add(current);
        }

        return chunks;
    }

    private static List<List<PendingRecord>> GroupByAllocation(IReadOnlyList<PendingRecord> chunk)
    {
        var groups = new List<List<PendingRecord>>();
        foreach (var record in chunk)
        {
            if (groups.Count == 0 || groups[^1][0].AllocationIndex != record.AllocationIndex)
            {
                groups.Add([]);
            }

            groups[^1].Add(record);
        }

        return groups;
    }

    /// <summary>One record to create: its external id (<paramref name="Ref"/>), its values, whose it is and which of its slots it fills.</summary>
    private sealed record PendingRecord(string Ref, JsonObject Values, int AllocationIndex, int Slot);

    private sealed record PostingContext(OdooAnalyticCatalog Catalog, string? CompanyCurrency, string? MoveSetupProblem);

    /// <summary>The allocations of one call, de-duplicated by id, with their progress.</summary>
    private sealed class PostingRun
    {
        public PostingRun(IReadOnlyList<OdooPostingInput> input)
        {
            Input = input;
            UniqueIndexOf = new int[input.Count];
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < input.Count; i++)
            {
                ArgumentNullException.ThrowIfNull(input[i]);
                if (!seen.TryGetValue(input[i].AllocationId, out var unique))
                {
                    unique = Unique.Count;
                    seen[input[i].AllocationId] = unique;
                    Unique.Add(input[i]);
                    States.Add(new AllocationState());
                }

                UniqueIndexOf[i] = unique;
            }
        }

        public IReadOnlyList<OdooPostingInput> Input { get; }

        public int[] UniqueIndexOf { get; }

        public List<OdooPostingInput> Unique { get; } = [];

        public List<AllocationState> States { get; } = [];

        public string? AbortReason { get; set; }

        public void FailRemaining(int from, string reason)
        {
            for (var i = from; i < States.Count; i++)
            {
                States[i].FailIfOpen(reason);
            }
        }
    }

    /// <summary>Ids per slot (analytic line per allocation line, or the one move) and the first error.</summary>
    private sealed class AllocationState
    {
        private long[] _ids = [];

        public string? Error { get; private set; }

        public void Expect(int slots) => _ids = new long[slots];

        public void Posted(int slot, long id) => _ids[slot] = id;

        public void Fail(string reason) => Error ??= reason;

        public void FailIfOpen(string reason)
        {
            if (!IsComplete)
            {
                Error ??= reason;
            }
        }

        private bool IsComplete
        {
            get
            {
                if (_ids.Length == 0)
                {
                    return false;
                }

                foreach (var id in _ids)
                {
                    if (id == 0)
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        public PostingOutcome ToOutcome(string allocationId)
        {
            if (Error is not null)
            {
                return new PostingOutcome(allocationId, false, [], Error);
            }

            if (_ids.Length == 0)
            {
                return new PostingOutcome(allocationId, false, [], "nothing was sent");
            }

            foreach (var id in _ids)
            {
                if (id == 0)
                {
                    return new PostingOutcome(allocationId, false, [], "not every record reached Odoo");
                }
            }

            return new PostingOutcome(allocationId, true, _ids, null);
        }
    }
}
