using Resonance.Grains;
using Resonance.Grains.Spaces;
using Xunit;

namespace Resonance.Tests.Entanglement;

/// <summary>How a space lists a pair that is both requested and phase-locked, whichever comes and goes first.</summary>
public class PairBookTests
{
    private static readonly Guid A = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid B = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly EntangledPair Explicit = EntangledPair.Create(A, B, "1:1", 1.0, EntangledPair.ExplicitType);
    private static readonly EntangledPair Locked = EntangledPair.Create(B, A, "2:1", 0.93, EntangledPair.PlvType);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_explicit_pair_taken_back_while_locked_is_listed_as_the_locked_pair(bool lockedFirst)
    {
        var book = new PairBook();
        var notices = new List<EntanglementNotice>();
        if (lockedFirst)
        {
            book.Apply(Locked, formed: true, notices);
            book.Apply(Explicit, formed: true, notices);
        }
        else
        {
            book.Apply(Explicit, formed: true, notices);
            book.Apply(Locked, formed: true, notices); // locks while requested: listed as explicit still
        }
        Assert.Equal([Explicit], book.ToArray());
        int formedNotices = notices.Count;

        book.Apply(Explicit, formed: false, notices);
        Assert.Equal([Locked], book.ToArray());
        Assert.Equal("plv", book.ToArray()[0].Type);
        Assert.Equal(1, book.Count);
        Assert.Equal(formedNotices, notices.Count); // still entangled: no "broken"

        book.Apply(Locked, formed: false, notices);
        Assert.Empty(book.ToArray());
        Assert.Equal([new EntanglementNotice(A, B, EntanglementState.Broken, Locked.Strength), new EntanglementNotice(B, A, EntanglementState.Broken, Locked.Strength)],
            notices.Skip(formedNotices));
    }

    [Fact]
    public void A_lock_that_breaks_under_an_explicit_pair_leaves_it_explicit_and_repeats_change_nothing()
    {
        var book = new PairBook();
        var notices = new List<EntanglementNotice>();
        book.Apply(Explicit, formed: true, notices);
        book.Apply(Explicit, formed: true, notices);
        book.Apply(Locked, formed: true, notices);
        book.Apply(Locked, formed: false, notices);
        book.Apply(Locked, formed: false, notices);
        Assert.Equal([Explicit], book.ToArray());
        Assert.Equal(2, notices.Count);
        Assert.All(notices, n => Assert.Equal(EntanglementState.Formed, n.State));
    }
}
