namespace Resonance.Grains.Events;

/// <summary>What one maintenance run did: partitions created ahead, expired partitions dropped, rows deleted.</summary>
public sealed record EventMaintenanceReport(IReadOnlyList<string> PartitionsCreated, IReadOnlyList<string> PartitionsDropped, long RowsDeleted);
