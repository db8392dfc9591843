using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using TelemetryPipeline.Domain;
using TelemetryPipeline.Ledger;

namespace TelemetryPipeline.Web.Api;

/// <summary>Allocation filters as the query string carries them (all optional); parsed by <see cref="QueryParsing"/>.</summary>
public sealed record AllocationFilter(
    [FromQuery(Name = "status")] string? Status,
    [FromQuery(Name = "from")] string? From,
    [FromQuery(Name = "to")] string? To,
    [FromQuery(Name = "project")] string? Project,
    [FromQuery(Name = "costCode")] string? CostCode,
    [FromQuery(Name = "offset")] string? Offset,
    [FromQuery(Name = "limit")] string? Limit);

/// <summary>Query-string filters parsed with messages that say which parameter is wrong and what it may be.</summary>
internal static class QueryParsing
{
    public static bool TryAllocationQuery(AllocationFilter filter, int defaultLimit, [NotNullWhen(true)] out AllocationQuery? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        AllocationStatus? status = null;
        string? statusText = Clean(filter.Status);
        if (statusText is not null)
        {
            try
            {
                status = AllocationStatuses.Parse(statusText);
            }
            catch (FormatException ex)
            {
                error = "status: " + ex.Message;
                return false;
            }
        }

        if (!TryDate(filter.From, "from", out DateOnly? from, out error) || !TryDate(filter.To, "to", out DateOnly? to, out error))
        {
            return false;
        }

        if (from is not null && to is not null && to < from)
        {
            error = "to: the period range ends before it starts (from must be on or before to).";
            return false;
        }

        if (!TryInt(filter.Offset, "offset", 0, 0, int.MaxValue, out int offset, out error)
            || !TryInt(filter.Limit, "limit", defaultLimit, 1, AllocationQuery.MaxLimit, out int limit, out error))
        {
            return false;
        }

        result = new AllocationQuery
        {
            Status = status,
            PeriodFrom = from,
            PeriodTo = to,
            ProjectCode = Clean(filter.Project),
            CostCode = Clean(filter.CostCode),
            Offset = offset,
            Limit = limit,
        };
        error = null;
        return true;
    }

    public static bool TryDate(string? raw, string name, out DateOnly? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        error = null;
        string? text = Clean(raw);
        if (text is null)
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly parsed))
        {
            value = parsed;
            return true;
        }

        error = $"{name}: '{text}' is not a date; use yyyy-MM-dd.";
        return false;
    }

    public static bool TryInt(string? raw, string name, int fallback, int min, int max, out int value, [NotNullWhen(false)] out string? error)
    {
        value = fallback;
        error = null;
        string? text = Clean(raw);
        if (text is null)
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        error = string.Create(CultureInfo.InvariantCulture, $"{name}: '{text}' is not an integer in {min}..{max}.");
        return false;
    }

    public static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
