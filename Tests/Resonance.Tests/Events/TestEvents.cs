using Resonance.Grains.Events;
using Resonance.Grains;

namespace Resonance.Tests.Events;

/// <summary>Builds stored-event records for the tests.</summary>
public static class TestEvents
{
    public static EventRecord Make(string space, DateTime timestampUtc, double? x = null, double? y = null, double? resonance = null,
        Guid? userId = null, Guid? eventId = null, string type = "pulse") =>
        new(space, new SpaceEvent
        {
            EventId = eventId ?? Guid.NewGuid(),
            UserId = userId ?? Guid.NewGuid(),
            EventType = type,
            DataJson = """{"n":1}""",
            X = x,
            Y = y,
            Resonance = resonance,
            TimestampUtc = timestampUtc,
        });
}
