package dev.keel.cli.replay;

import dev.keel.cli.DurationConverter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --from}: an ISO-8601 time ({@code 2026-11-22T15:00:00Z}, {@code 2026-11-22T16:00:00+01:00}) or
 * a duration ago ({@code 90s}, {@code 15m}, {@code 2h}, {@code 1d}, {@code PT2H}).
 */
public final class FromTimeConverter implements ITypeConverter<Instant> {

    private final Clock clock;

    public FromTimeConverter() {
        this(Clock.systemUTC());
    }

    FromTimeConverter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Instant convert(String value) {
        String v = value.trim();
        if (v.contains("T") && v.indexOf('-') > 0 && !v.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                return OffsetDateTime.parse(v).toInstant();
            } catch (DateTimeParseException e) {
                throw new TypeConversionException("'" + value + "' is not an ISO-8601 time with an offset: use e.g. "
                        + "2026-11-22T15:00:00Z, or a duration ago such as 15m or 2h");
            }
        }
        Duration ago = agoOf(v);
        if (ago.isNegative()) {
            throw new TypeConversionException("'" + value + "' is a negative duration: give how long ago, e.g. 15m");
        }
        return clock.instant().minus(ago);
    }

    private static Duration agoOf(String v) {
        String lower = v.toLowerCase(Locale.ROOT);
        try {
            if (lower.endsWith("h") && !lower.startsWith("p")) {
                return Duration.ofHours(Long.parseLong(lower.substring(0, lower.length() - 1)));
            }
            if (lower.endsWith("d") && !lower.startsWith("p")) {
                return Duration.ofDays(Long.parseLong(lower.substring(0, lower.length() - 1)));
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        try {
            return new DurationConverter().convert(v);
        } catch (TypeConversionException e) {
            throw new TypeConversionException("'" + v + "' is neither a time nor a duration ago: use e.g. "
                    + "2026-11-22T15:00:00Z, 90s, 15m, 2h or 1d");
        }
    }
}
