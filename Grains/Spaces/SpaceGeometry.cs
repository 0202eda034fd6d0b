using Resonance.Grains.Field;

namespace Resonance.Grains.Spaces;

/// <summary>
/// A validated space configuration turned into field-math terms: the sample grid, the kernel, the background modes
/// and the cell tiling (cells of side S = T samples; cell (cx, cy) owns samples [cx T, (cx+1) T) x [cy T, (cy+1) T)).
/// </summary>
public sealed class SpaceGeometry
{
    /// <summary>Largest sample count of a space we accept (4096 x 4096).</summary>
    public const long MaxSamples = 1L << 24;

    private SpaceGeometry(SpaceConfig config)
    {
        Config = config;
        Grid = new SampleGrid(config.Width, config.Height, config.Spacing);
        Kernel = new KernelSpec(ParseKernel(config.Kernel), config.Cutoff, config.Lambda, config.Sigma, config.WaveNumber);
        Background = BackgroundModes.ByName(config.Background);
        Saturation = config.Clamp ? ParseSaturation(config.Saturation) : FieldSaturation.None;
        TileSamples = (int)Math.Round(config.EffectiveCellSize / config.Spacing);
        CellsX = (Grid.Columns + TileSamples - 1) / TileSamples;
        CellsY = (Grid.Rows + TileSamples - 1) / TileSamples;
    }

    public SpaceConfig Config { get; }
    public SampleGrid Grid { get; }
    public KernelSpec Kernel { get; }
    public BackgroundMode[] Background { get; }
    /// <summary>The saturation frames are composed with (none when the space's Clamp is off).</summary>
    public FieldSaturation Saturation { get; }
    /// <summary>T: samples along one side of a cell.</summary>
    public int TileSamples { get; }
    public int CellsX { get; }
    public int CellsY { get; }
    public double CellSize => TileSamples * Grid.Spacing;
    /// <summary>Pairs farther apart than this are never tested for phase locking.</summary>
    public double EntanglementRadius => Config.EffectiveEntanglementRadius;
    /// <summary>Index of the space's tick at <paramref name="utcNow"/>: phases are sampled on this grid.</summary>
    public long TickAt(DateTime utcNow) => (long)Math.Floor(TimeAt(utcNow) * Config.TickHz);
    public DateTime Epoch => DateTime.UnixEpoch.AddMilliseconds(Config.EpochUnixMs);

    /// <summary>Validates <paramref name="config"/>; throws <see cref="ArgumentException"/> naming the offending field.</summary>
    public static SpaceGeometry Create(SpaceConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var grid = new SampleGrid(config.Width, config.Height, config.Spacing);
        grid.Validate();
        if (grid.SampleCount > MaxSamples) throw new ArgumentException($"A space may hold at most {MaxSamples} samples, got {grid.SampleCount}.");
        new KernelSpec(ParseKernel(config.Kernel), config.Cutoff, config.Lambda, config.Sigma, config.WaveNumber).Validate();
        BackgroundModes.ByName(config.Background);
        ParseSaturation(config.Saturation);
        double s = config.EffectiveCellSize;
        if (!double.IsFinite(s) || s < config.Cutoff)
            throw new ArgumentException($"Cell size must be >= the cutoff R = {config.Cutoff} (so a footprint reaches only neighbouring cells), got {s}.");
        double t = s / config.Spacing;
        if (Math.Abs(t - Math.Round(t)) > 1e-9 * t || t > 1024)
            throw new ArgumentException($"Cell size / spacing must be a whole number of samples <= 1024, got {t}.");
        if (!double.IsFinite(config.Beta) || Math.Abs(config.Beta) > 10) throw new ArgumentException($"Beta must be finite with |beta| <= 10, got {config.Beta}.");
        if (!double.IsFinite(config.TickHz) || config.TickHz < 0.5 || config.TickHz > 60) throw new ArgumentException($"Tick rate must be in [0.5, 60] Hz, got {config.TickHz}.");
        // 0 means the maximum (none at all when h is so coarse that R - sqrt(2) h <= 0: then nothing is ever a candidate).
        if (!double.IsFinite(config.EntanglementRadius) || config.EntanglementRadius < 0
            || (config.EntanglementRadius > 0 && config.EntanglementRadius > config.MaxEntanglementRadius + 1e-9))
            throw new ArgumentException($"Entanglement radius must be in [0, R - sqrt(2) h = {config.MaxEntanglementRadius}] (0: that maximum), got {config.EntanglementRadius}.");
        return new SpaceGeometry(config);
    }

    public static KernelKind ParseKernel(string name) => name switch
    {
        "exponential" => KernelKind.Exponential,
        "gaussian" => KernelKind.Gaussian,
        "harmonic" => KernelKind.Harmonic,
        _ => throw new ArgumentException($"Unknown kernel '{name}' (known: exponential, gaussian, harmonic)."),
    };

    /// <summary><c>clamp</c> (also for null: configurations stored before the option existed) or <c>soft</c>.</summary>
    public static FieldSaturation ParseSaturation(string? name) => name switch
    {
        null or "clamp" => FieldSaturation.Clamp,
        "soft" => FieldSaturation.Soft,
        _ => throw new ArgumentException($"Unknown saturation '{name}' (known: clamp, soft)."),
    };

    public bool Contains(double x, double y) => x >= 0 && x < Config.Width && y >= 0 && y < Config.Height;

    /// <summary>The samples owned by cell (cx, cy), clipped to the grid.</summary>
    public TileRegion CellRegion(int cx, int cy)
    {
        int i0 = cx * TileSamples, j0 = cy * TileSamples;
        return new TileRegion(i0, j0, Math.Min(TileSamples, Grid.Columns - i0), Math.Min(TileSamples, Grid.Rows - j0), Grid.Spacing);
    }

    /// <summary>The cell a position belongs to (positions are within the bounds).</summary>
    public (int Cx, int Cy) CellOf(double x, double y) =>
        (Math.Clamp((int)Math.Floor(x / CellSize), 0, CellsX - 1), Math.Clamp((int)Math.Floor(y / CellSize), 0, CellsY - 1));

    /// <summary>
    /// Writes the cells whose samples a node at (x, y) can reach (distance to the cell's sample rectangle &lt;= R) and returns
    /// how many: its own cell and at most 8 neighbours, since S &gt;= R. <paramref name="destination"/> needs room for 9.
    /// </summary>
    public int AffectedCells(double x, double y, Span<(int Cx, int Cy)> destination)
    {
        double r = Kernel.Cutoff, r2 = r * r;
        int cx0 = Math.Max(0, (int)Math.Floor((x - r) / CellSize)), cx1 = Math.Min(CellsX - 1, (int)Math.Floor((x + r) / CellSize));
        int cy0 = Math.Max(0, (int)Math.Floor((y - r) / CellSize)), cy1 = Math.Min(CellsY - 1, (int)Math.Floor((y + r) / CellSize));
        int n = 0;
        for (int cy = cy0; cy <= cy1; cy++)
            for (int cx = cx0; cx <= cx1; cx++)
                if (CellRegion(cx, cy).DistanceSquaredTo(x, y) <= r2)
                    destination[n++] = (cx, cy);
        return n;
    }

    /// <summary>Spaces with at most this many cells keep their cells' keys (one string per cell, made once).</summary>
    private const int CachedCellKeys = 1 << 16;

    private (string Space, string?[] Keys)? _cellKeys;

    /// <summary>
    /// <see cref="Grains.CellKey.Format"/> for a cell of this space, made once per cell: a node routes every change to
    /// up to 18 cells, and formatting their keys each time was a measurable part of an update's cost.
    /// </summary>
    public string CellKey(string space, int cx, int cy)
    {
        long count = (long)CellsX * CellsY;
        if (count > CachedCellKeys || (uint)cx >= (uint)CellsX || (uint)cy >= (uint)CellsY) return Grains.CellKey.Format(space, cx, cy);
        var cache = _cellKeys;
        if (cache is not { } c || !string.Equals(c.Space, space, StringComparison.Ordinal))
        {
            // A geometry serves one space; a second one (never the case in the directory) just formats.
            if (cache is not null) return Grains.CellKey.Format(space, cx, cy);
            c = (space, new string?[count]);
            _cellKeys = c;
        }
        ref var slot = ref c.Keys[cy * CellsX + cx];
        // Racing threads may both format the key; either string is right.
        return slot ??= Grains.CellKey.Format(space, cx, cy);
    }

    /// <summary>Seconds on the space's clock at <paramref name="utcNow"/>.</summary>
    public double TimeAt(DateTime utcNow) => (utcNow - Epoch).TotalSeconds;

    public Composition Composition(double globalResonance, double timeSeconds) =>
        new(Config.Beta, globalResonance, timeSeconds, Background, Saturation);
}
