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

    private readonly OdooCompanyClients _clients;
    private readonly OdooOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    /// <summary>
    /// Creates a poster; keep one per process so the circuit breaker sees every call. <paramref name="client"/> runs in
    /// <see cref="OdooOptions.CompanyId"/>; the companies of <see cref="OdooOptions.Companies"/> get clients derived from it
    /// (<see cref="IOdooClient.ForCompany"/>), all behind the same breaker since they reach the same server.
    /// </summary>
    public OdooPoster(IOdooClient client, OdooOptions options, ILogger<OdooPoster>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _clients = new OdooCompanyClients(client);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _pipeline = OdooResilience.Build(options, _logger, timeProvider);
    }

    /// <summary>
    /// Posts the allocations and returns one outcome per input, in input order. Never throws for Odoo failures:
    /// they become outcomes with <see cref="PostingOutcome.Posted"/> false. Posting the same allocations again
    /// creates nothing and returns the same ids. Each allocation goes to the company of its currency
    /// (<see cref="OdooOptions.CompanyFor"/>) and is refused when that company keeps another currency.
    /// </summary>
    public async Task<IReadOnlyList<PostingOutcome>> PostAsync(IReadOnlyList<OdooPostingInput> allocations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(allocations);
        var run = new PostingRun(allocations);
        if (run.Unique.Count == 0)
        {
            return [];
        }

        foreach (var (companyId, indexes) in ByCompany(run))
        {
            if (run.StopReason is { } stopped)
            {
                foreach (var index in indexes)
                {
                    run.States[index].FailIfOpen(stopped);
                }

                continue;
            }

            await PostCompanyAsync(run, _clients.For(companyId), indexes, ct).ConfigureAwait(false);
        }

        return Finish(run);
    }

    /// <summary><c>[["id", "=", id]]</c>: search_read answers [] for a missing record where read raises MissingError.</summary>
    internal static JsonArray ById(long id) => OdooDomain.Of(OdooDomain.Leaf("id", "=", id));

    private const string CircuitOpenMessage = "Odoo is failing repeatedly (circuit open); not attempted, retry later";

    private string Model => _options.PostsDraftMoves ? MoveModel : AnalyticLineModel;

    /// <summary>The allocations of the run grouped by the company of their currency, companies in order of first appearance.</summary>
    private List<(long CompanyId, List<int> Indexes)> ByCompany(PostingRun run)
    {
        var groups = new List<(long CompanyId, List<int> Indexes)>();
        var slot = new Dictionary<long, int>();
        for (var index = 0; index < run.Unique.Count; index++)
        {
            var companyId = _options.CompanyFor(run.Unique[index].Currency);
            if (!slot.TryGetValue(companyId, out var group))
            {
                group = groups.Count;
                slot[companyId] = group;
                groups.Add((companyId, []));
            }

            groups[group].Indexes.Add(index);
        }

        return groups;
    }

    /// <summary>Posts the allocations of one company with that company's client: its accounts, its currency, its records.</summary>
    private async Task PostCompanyAsync(PostingRun run, IOdooClient client, List<int> indexes, CancellationToken ct)
    {
        PostingContext context;
        try
        {
            context = await _pipeline.ExecuteAsync(token => new ValueTask<PostingContext>(LoadContextAsync(client, run, indexes, token)), ct).ConfigureAwait(false);
        }
        catch (OdooException ex)
        {
            var reason = $"Odoo lookup before posting failed: {ex.OdooMessage}";
            foreach (var index in indexes)
            {
                run.States[index].FailIfOpen(reason);
            }

            if (ex.Kind == OdooErrorKind.Authentication)
            {
                run.StopReason = reason;
            }

            return;
        }
        catch (BrokenCircuitException)
        {
            foreach (var index in indexes)
            {
                run.States[index].FailIfOpen(CircuitOpenMessage);
            }

            run.StopReason = CircuitOpenMessage;
            return;
        }

        var pending = new List<PendingRecord>();
        foreach (var index in indexes)
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
            if (!await PostChunkAsync(run, client, chunks[c], ct).ConfigureAwait(false))
            {
                // Credentials, rights or an open circuit: every later chunk of this company would fail the same way.
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

        run.AbortReason = null;
    }

    private async Task<PostingContext> LoadContextAsync(IOdooClient client, PostingRun run, List<int> indexes, CancellationToken ct)
    {
        var projects = new HashSet<string>(StringComparer.Ordinal);
        var costCodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var index in indexes)
        {
            projects.Add(run.Unique[index].ProjectCode);
            costCodes.Add(run.Unique[index].CostCode);
        }

        var catalog = await OdooAnalyticCatalog.LoadAsync(client, _options, projects, costCodes, ct).ConfigureAwait(false);
        var company = await OdooCompany.ReadAsync(client, client.CompanyId, ct).ConfigureAwait(false)
            ?? throw new OdooException(OdooErrorKind.MissingRecord, string.Create(CultureInfo.InvariantCulture, $"company {client.CompanyId} ({_options.CompanyKeys(client.CompanyId)}) not found"), false, operation: "res.company.read");
        string? accountsProblem = null;
        if (_options.PostsDraftMoves)
        {
            accountsProblem = await CheckMoveSetupAsync(client, ct).ConfigureAwait(false);
        }

        return new PostingContext(company, catalog, accountsProblem);
    }

    /// <summary>Posts one chunk; false when posting must stop (credentials, rights, open circuit).</summary>
    private async Task<bool> PostChunkAsync(PostingRun run, IOdooClient client, IReadOnlyList<PendingRecord> chunk, CancellationToken ct)
    {
        try
        {
            var ids = await LookUpThenCreateAsync(client, chunk, ct).ConfigureAwait(false);
            Assign(run, chunk, ids);
            return true;
        }
        catch (OdooException ex) when (ex.Kind is OdooErrorKind.Validation or OdooErrorKind.MissingRecord)
        {
            return await IsolateAsync(run, client, chunk, ex, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OdooException or BrokenCircuitException)
        {
            return FailChunk(run, chunk, ex);
        }
    }

    /// <summary>Odoo refused the batch: post its allocations one by one so only the culprit fails.</summary>
    private async Task<bool> IsolateAsync(PostingRun run, IOdooClient client, IReadOnlyList<PendingRecord> chunk, OdooException batchError, CancellationToken ct)
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
                var ids = await LookUpThenCreateAsync(client, records, ct).ConfigureAwait(false);
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
        var stopAll = false;
        switch (ex)
        {
            case BrokenCircuitException:
                reason = CircuitOpenMessage;
                stop = stopAll = true;
                break;
            case OdooException { Kind: OdooErrorKind.Authentication or OdooErrorKind.AccessDenied } odoo:
                reason = $"Odoo {(odoo.Kind == OdooErrorKind.Authentication ? "refused the credentials" : "denied access")}: {odoo.OdooMessage}";
                stop = true;

                // Rights can differ between companies; credentials and the breaker cannot.
                stopAll = odoo.Kind == OdooErrorKind.Authentication;
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

        if (stopAll)
        {
            run.StopReason = reason;
        }

        return !stop;
    }

    /// <summary>The retried unit: look the chunk's refs up, create only the missing ones (one call), return ref → ids.</summary>
    private async Task<Dictionary<string, List<long>>> LookUpThenCreateAsync(IOdooClient client, IReadOnlyList<PendingRecord> records, CancellationToken ct) =>
        await _pipeline.ExecuteAsync(
            async token =>
            {
                var found = await LookUpAsync(client, records, token).ConfigureAwait(false);
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

                    var ids = await client.CreateAsync(Model, values, token).ConfigureAwait(false);
                    for (var i = 0; i < missing.Count; i++)
                    {
                        found[missing[i].Ref] = [ids[i]];
                    }

                    _logger.LogDebug("Created {Count} {Model} records in company {CompanyId} ({Existing} already in Odoo)", missing.Count, Model, client.CompanyId, records.Count - missing.Count);
                }

                return found;
            },
            ct).ConfigureAwait(false);

    private async Task<Dictionary<string, List<long>>> LookUpAsync(IOdooClient client, IReadOnlyList<PendingRecord> records, CancellationToken ct)
    {
        var refs = new List<string>(records.Count);
        foreach (var record in records)
        {
            refs.Add(record.Ref);
        }

        var domain = _options.PostsDraftMoves
            ? OdooDomain.Of(OdooDomain.In("ref", refs), OdooDomain.Leaf("move_type", "=", "entry"))
            : OdooDomain.Of(OdooDomain.In("ref", refs));
        var existing = await client.SearchReadAsync(Model, domain, ["ref"], order: "id asc", ct: ct).ConfigureAwait(false);
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

    /// <summary>What one company's allocations are checked and built against: the company (its currency) and the analytic accounts it sees.</summary>
    private sealed record PostingContext(OdooCompany Company, OdooAnalyticCatalog Catalog, string? MoveSetupProblem);

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

        /// <summary>Why the current company's remaining chunks are not sent (rights, credentials, open circuit).</summary>
        public string? AbortReason { get; set; }

        /// <summary>Why no further company is attempted (credentials, open circuit).</summary>
        public string? StopReason { get; set; }
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
