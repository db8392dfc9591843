namespace TelemetryPipeline.Settlement.Tests;

public sealed class ProjectCalendarTests
{
    private static ProjectCalendar Zone(string id) => new(TimeZoneInfo.FindSystemTimeZoneById(id));

    [Theory]
    [InlineData("America/Chicago", "2026-11-20T02:00Z", "2026-11-19")]
    [InlineData("Europe/Berlin", "2026-11-20T02:00Z", "2026-11-20")]
    [InlineData("America/Chicago", "2026-11-20T23:30Z", "2026-11-20")]
    [InlineData("Europe/Berlin", "2026-11-20T23:30Z", "2026-11-21")]
    [InlineData("Europe/Berlin", "2026-11-19T23:00Z", "2026-11-20")]
    [InlineData("Europe/Berlin", "2026-11-19T22:45Z", "2026-11-19")]
    [InlineData("UTC", "2026-11-20T23:45Z", "2026-11-20")]
    [InlineData("UTC", "1969-12-31T23:45Z", "1969-12-31")]
    public void PeriodOf_BucketStart_IsLocalDay(string zone, string instant, string expected)
    {
        Zone(zone).PeriodOf(T.Ms(instant)).Should().Be(T.Day(expected));
    }

    [Theory]
    [InlineData("Europe/Berlin", "2026-11-20", "2026-11-19T23:00Z", "2026-11-20T23:00Z")]
    [InlineData("America/Chicago", "2026-11-20", "2026-11-20T06:00Z", "2026-11-21T06:00Z")]
    [InlineData("Europe/Berlin", "2026-03-29", "2026-03-28T23:00Z", "2026-03-29T22:00Z")]
    [InlineData("America/Chicago", "2026-11-01", "2026-11-01T05:00Z", "2026-11-02T06:00Z")]
    [InlineData("America/Havana", "2026-03-08", "2026-03-08T05:00Z", "2026-03-09T04:00Z")]
    [InlineData("America/Havana", "2026-11-01", "2026-11-01T04:00Z", "2026-11-02T05:00Z")]
    [InlineData("America/Havana", "2026-10-31", "2026-10-31T04:00Z", "2026-11-01T04:00Z")]
    public void StartAndEndOfDay_FollowDaylightSaving(string zone, string day, string start, string end)
    {
        ProjectCalendar calendar = Zone(zone);

        calendar.StartOfDayUtcMs(T.Day(day)).Should().Be(T.Ms(start));
        calendar.EndOfDayUtcMs(T.Day(day)).Should().Be(T.Ms(end));
    }
}
