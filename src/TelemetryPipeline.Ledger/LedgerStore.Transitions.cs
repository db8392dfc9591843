using Npgsql;
using NpgsqlTypes;
using TelemetryPipeline.Domain;

namespace TelemetryPipeline.Ledger;

public sealed partial class LedgerStore
{
    /// <summary>pending → approved by a person (finance); the comment is optional.</summary>
    public Task<TransitionResult> ApproveAsync(string allocationId, string actor, string? comment = null, CancellationToken ct = default) =>
        TransitionAsync(allocationId, AllocationStatus.Approved, actor, ActorKind.Person, comment, odooRefs: null, ct);

    /// <summary>pending → rejected by a person; the comment saying why is required (a blank one is an invalid request).</summary>
    public Task<TransitionResult> RejectAsync(string allocationId, string actor, string comment, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(comment))
        {
            return Task.FromResult(Invalid(allocationId, "A rejection needs a comment saying why; nothing was changed."));
        }

        return TransitionAsync(allocationId, AllocationStatus.Rejected, actor, ActorKind.Person, comment, odooRefs: null, ct);
    }

    /// <summary>
    /// approved or post_failed → posted, recording the Odoo references (e.g. the created move ids); posting a
    /// post_failed allocation again is how a failed post is retried.
    /// </summary>
    public Task<TransitionResult> MarkPostedAsync(string allocationId, string odooRefs, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(odooRefs))
        {
            return Task.FromResult(Invalid(allocationId, "Posted allocations need their Odoo references; nothing was changed."));
        }

        return TransitionAsync(allocationId, AllocationStatus.Posted, PostingActor, ActorKind.System, comment: null, odooRefs, ct);
    }

    /// <summary>approved or post_failed → post_failed with the error (kept on the allocation and in the audit comment).</summary>
    public Task<TransitionResult> MarkPostFailedAsync(string allocationId, string error, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(error))
        {
            return Task.FromResult(Invalid(allocationId, "A failed post needs its error; nothing was changed."));
        }

        return TransitionAsync(allocationId, AllocationStatus.PostFailed, PostingActor, ActorKind.System, Truncate(error), odooRefs: null, ct);
    }

    private async Task<TransitionResult> TransitionAsync(
        string allocationId, AllocationStatus to, string actor, ActorKind actorKind, string? comment, string? odooRefs, CancellationToken ct)
    {
        TransitionResult result = await TransitionCoreAsync(allocationId, to, actor, actorKind, comment, odooRefs, ct).ConfigureAwait(false);
        LedgerMetrics.Transitions.Add(1, new("outcome", OutcomeTag(result.Outcome)), new("to", to.ToWire()));
        return result;
    }

    private async Task<TransitionResult> TransitionCoreAsync(
        string allocationId, AllocationStatus to, string actor, ActorKind actorKind, string? comment, string? odooRefs, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(allocationId))
        {
            return Invalid(allocationId ?? string.Empty, "An allocation id is required.");
        }

        if (string.IsNullOrWhiteSpace(actor) || actor.Length > MaxActorLength)
        {
            return Invalid(allocationId, $"Who made the change is required (1..{MaxActorLength} characters); nothing was changed.");
        }

        if (comment is not null && comment.Length > MaxCommentLength)
        {
            return Invalid(allocationId, $"Comments are limited to {MaxCommentLength} characters; nothing was changed.");
        }

        string? trimmedComment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        return await InTransactionAsync(
            async (connection, tx, token) =>
            {
                AllocationStatus from;
                // The row lock serializes concurrent transitions of one allocation: the second waits, then sees the new status.
                await using (var select = new NpgsqlCommand("SELECT status FROM allocations WHERE allocation_id = $1 FOR UPDATE", connection, tx))
                {
                    select.Parameters.Add(Param(allocationId));
                    object? status = await select.ExecuteScalarAsync(token).ConfigureAwait(false);
                    if (status is not string wire)
                    {
                        return new TransitionResult(allocationId, TransitionOutcome.NotFound, null, null, $"No allocation {allocationId}.", null);
                    }

                    from = AllocationStatuses.Parse(wire);
                }

                if (!LedgerTransitions.IsLegal(from, to))
                {
                    return new TransitionResult(
                        allocationId,
                        TransitionOutcome.IllegalTransition,
                        from,
                        from,
                        IllegalMessage(allocationId, from, to),
                        null);
                }

                await using (var update = new NpgsqlCommand(
                    """
                    UPDATE allocations
                    SET status = $2,
                        updated_at = now(),
                        odoo_refs = COALESCE($3, odoo_refs),
                        post_error = CASE WHEN $2 = 'posted' THEN NULL WHEN $2 = 'post_failed' THEN $4 ELSE post_error END,
                        post_attempts = post_attempts + CASE WHEN $2 IN ('posted', 'post_failed') THEN 1 ELSE 0 END
                    WHERE allocation_id = $1
                    """,
                    connection,
                    tx))
                {
                    update.Parameters.Add(Param(allocationId));
                    update.Parameters.Add(Param(to.ToWire()));
                    update.Parameters.Add(NullableParam(odooRefs, NpgsqlDbType.Text));
                    update.Parameters.Add(NullableParam(to == AllocationStatus.PostFailed ? trimmedComment : null, NpgsqlDbType.Text));
                    await update.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }

                AuditEntry audit;
                await using (var insert = new NpgsqlCommand(
                    """
                    INSERT INTO allocation_audit (allocation_id, actor, actor_kind, from_status, to_status, comment)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    RETURNING id, allocation_id, at, actor, actor_kind, from_status, to_status, comment
                    """,
                    connection,
                    tx))
                {
                    insert.Parameters.Add(Param(allocationId));
                    insert.Parameters.Add(Param(actor.Trim()));
                    insert.Parameters.Add(Param(ToWire(actorKind)));
                    insert.Parameters.Add(Param(from.ToWire()));
                    insert.Parameters.Add(Param(to.ToWire()));
                    insert.Parameters.Add(NullableParam(trimmedComment, NpgsqlDbType.Text));
                    await using NpgsqlDataReader reader = await insert.ExecuteReaderAsync(token).ConfigureAwait(false);
                    await reader.ReadAsync(token).ConfigureAwait(false);
                    audit = ReadAudit(reader);
                }

                return new TransitionResult(
                    allocationId,
                    TransitionOutcome.Applied,
                    to,
                    from,
                    $"Allocation {allocationId}: {from.ToWire()} → {to.ToWire()}.",
                    audit);
            },
            ct).ConfigureAwait(false);
    }

    private static string OutcomeTag(TransitionOutcome outcome) => outcome switch
    {
        TransitionOutcome.Applied => "applied",
        TransitionOutcome.NotFound => "not_found",
        TransitionOutcome.IllegalTransition => "illegal",
        _ => "invalid",
    };

    private static TransitionResult Invalid(string allocationId, string message) =>
        new(allocationId, TransitionOutcome.InvalidRequest, null, null, message, null);

    private static string IllegalMessage(string allocationId, AllocationStatus from, AllocationStatus to)
    {
        IReadOnlyList<AllocationStatus> next = LedgerTransitions.Next(from);
        string allowed = next.Count == 0
            ? "it is final"
            : "it can only become " + string.Join(" or ", next.Select(static s => s.ToWire()));
        return $"Allocation {allocationId} is {from.ToWire()}, so it cannot become {to.ToWire()}: {allowed}.";
    }

    private static string Truncate(string text) => text.Length <= MaxCommentLength ? text : text[..MaxCommentLength];
}
