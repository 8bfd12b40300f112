package nci.patching;

import java.util.HexFormat;

/**
 * A content key: the first 128 bits of a SHA-256 digest of a canonical encoding (see {@link Keys}).
 * Equal keys mean equal values (up to a digest collision); keys never come from {@code hashCode},
 * map order or float formatting.
 */
public record Key(long hi, long lo) {

    /** 32 hex digits, big-endian. */
    public String hex() {
        HexFormat f = HexFormat.of();
        return f.toHexDigits(hi) + f.toHexDigits(lo);
    }

    /** The first 12 hex digits, for logs. */
    public String shortHex() { return hex().substring(0, 12); }

    @Override
    public String toString() { return hex(); }
}
