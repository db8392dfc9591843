using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace TelemetryPipeline.Odoo;

/// <summary>
/// Retries (exponential backoff with jitter) around a circuit breaker, both reacting only to retriable
/// <see cref="OdooException"/>s (transport errors and 5xx): Odoo's refusals are answers, not outages.
/// </summary>
internal static class OdooResilience
{
    public static ResiliencePipeline Build(OdooOptions options, ILogger logger, TimeProvider? timeProvider)
    {
        var shouldHandle = new PredicateBuilder().Handle<OdooException>(static ex => ex.IsRetriable);
        var builder = new ResiliencePipelineBuilder();
        if (timeProvider is not null)
        {
            builder.TimeProvider = timeProvider;
        }

        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = shouldHandle,
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    var reason = args.Outcome.Exception is OdooException odoo ? $"{odoo.Kind} on {odoo.Operation}: {odoo.OdooMessage}" : "unknown";
                    logger.LogWarning("Odoo call failed ({Reason}); retry {Attempt} of {Max} in {DelayMs:F0} ms", reason, args.AttemptNumber + 1, options.MaxRetries, args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = shouldHandle,
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakerBreakDuration,
            OnOpened = args =>
            {
                logger.LogError("Odoo circuit opened for {BreakSeconds:F0} s after repeated failures", args.BreakDuration.TotalSeconds);
                return default;
            },
            OnClosed = _ =>
            {
                logger.LogInformation("Odoo circuit closed");
                return default;
            },
        });
        return builder.Build();
    }
}
