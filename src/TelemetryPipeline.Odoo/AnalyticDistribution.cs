using System.Globalization;
using System.Text.Json.Nodes;

namespace TelemetryPipeline.Odoo;

/// <summary>
/// Client-side checks of an <c>analytic_distribution</c> (<c>{"&lt;id&gt;[,&lt;id&gt;…]": percent}</c>) that Odoo does not
/// make: it accepts unknown account ids (and then silently creates no analytic line) and percentages that do
/// not sum to 100 (and then allocates 150 %).
/// </summary>
public static class AnalyticDistribution
{
    /// <summary>Tolerance on the 100 % sum, below Odoo's percentage precision.</summary>
    private const decimal Tolerance = 0.005m;

    /// <summary>
    /// Null when every key's ids exist (<paramref name="rootPlanOf"/> knows them), a key names at most one account
    /// per plan, every percentage is in (0, 100] and each plan's percentages sum to 100; otherwise the first problem.
    /// </summary>
    public static string? Validate(JsonObject distribution, Func<long, long?> rootPlanOf)
    {
        ArgumentNullException.ThrowIfNull(distribution);
        ArgumentNullException.ThrowIfNull(rootPlanOf);
        if (distribution.Count == 0)
        {
            return "analytic distribution is empty";
        }

        var perPlan = new Dictionary<long, decimal>();
        foreach (var (key, value) in distribution)
        {
            if (!OdooCalls.TryDecimal(value, out var percent))
            {
                return $"analytic distribution '{key}' has no numeric percentage";
            }

            if (percent <= 0 || percent > 100)
            {
                return string.Create(CultureInfo.InvariantCulture, $"analytic distribution '{key}' has percentage {percent}, outside (0, 100]");
            }

            var plansInKey = new HashSet<long>();
            foreach (var part in key.Split(','))
            {
                if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
                {
                    return $"analytic distribution key '{key}' is not a comma-separated list of analytic account ids";
                }

                if (rootPlanOf(id) is not { } plan)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"analytic account {id} in distribution does not exist in Odoo");
                }

                if (!plansInKey.Add(plan))
                {
                    return string.Create(CultureInfo.InvariantCulture, $"analytic distribution key '{key}' names two accounts of plan {plan}");
                }

                perPlan[plan] = perPlan.GetValueOrDefault(plan) + percent;
            }
        }

        foreach (var (plan, sum) in perPlan)
        {
            if (Math.Abs(sum - 100m) > Tolerance)
            {
                return string.Create(CultureInfo.InvariantCulture, $"analytic distribution for plan {plan} sums to {sum} %, not 100 %");
            }
        }

        return null;
    }
}
