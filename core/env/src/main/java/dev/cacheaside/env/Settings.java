package dev.cacheaside.env;

import dev.cacheaside.config.ConfigurationException;
import io.github.cdimascio.dotenv.Dotenv;
import io.github.cdimascio.dotenv.DotenvEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Configuration variables ({@code DB_ENGINE}, {@code CACHE_TTL}, ...) with typed, checked access.
 *
 * <p>Immutable and thread safe. {@link #load()} reads the process environment and a {@code .env}
 * file in the working directory, the environment winning. Every typed getter fails with a
 * {@link ConfigurationException} that names the variable and the value. A variable whose name
 * contains {@code PASSWORD} or {@code SECRET} is a secret: its value never appears in a message
 * or in {@link #toString()}.
 *
 * <p>A variable set to an empty or blank string counts as not set, as in most {@code .env}
 * tooling, with one exception: {@link #getHost} refuses it, since an empty host is a mistake
 * (a template that did not fill it in) that a silent {@code localhost} would hide.
 *
 * <p>Durations are bounded: at most {@link #MAX_DURATION} unless the getter is given a tighter
 * bound, so that no value overflows later (milliseconds in a {@code long} or an {@code int}).
 */
public final class Settings {

    /** The longest duration any variable accepts unless its getter says less: 365 days. */
    public static final Duration MAX_DURATION = Duration.ofDays(365);

    /**
     * The longest timeout a {@code *_TIMEOUT} variable accepts: 1 day (its milliseconds fit in an
     * {@code int}, as some clients need).
     */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    private final Map<String, String> values;
    /** Variables that were given, but empty or blank. */
    private final java.util.Set<String> blank;

    private Settings(Map<String, String> values, java.util.Set<String> blank) {
        this.values = values;
        this.blank = blank;
    }

    /** Settings from the process environment and {@code ./.env}, the environment winning. */
    public static Settings load() {
        return load(System.getenv(), Path.of(".env"));
    }

    /**
     * Settings from {@code environment} and the {@code .env}-format file {@code dotenvFile}
     * (which may be missing), {@code environment} winning.
     */
    public static Settings load(Map<String, String> environment, Path dotenvFile) {
        Map<String, String> merged = new HashMap<>();
        if (Files.isRegularFile(dotenvFile)) {
            Path dir = dotenvFile.toAbsolutePath().getParent();
            Dotenv dotenv = Dotenv.configure()
                    .directory(dir == null ? "." : dir.toString())
                    .filename(dotenvFile.getFileName().toString())
                    .ignoreIfMissing()
                    .load();
            for (DotenvEntry entry : dotenv.entries(Dotenv.Filter.DECLARED_IN_ENV_FILE)) {
                merged.put(entry.getKey(), entry.getValue());
            }
        }
        merged.putAll(environment);
        return of(merged);
    }

    /** Settings from a map of variable names to values; blank values count as not set. */
    public static Settings of(Map<String, String> values) {
        Map<String, String> copy = new HashMap<>();
        java.util.Set<String> blank = new java.util.HashSet<>();
        values.forEach((k, v) -> {
            if (k != null && v != null) {
                if (isEmpty(v)) {
                    blank.add(k);
                } else {
                    copy.put(k, v.trim());
                }
            }
        });
        return new Settings(Collections.unmodifiableMap(copy), Collections.unmodifiableSet(blank));
    }

    /** No variables at all: every getter returns its default. */
    public static Settings empty() {
        return new Settings(Map.of(), java.util.Set.of());
    }

    /**
     * A copy of these settings with {@code name} set to {@code value}: removed when
     * {@code value} is null, given but blank when it is blank (see {@link #getHost}).
     */
    public Settings with(String name, String value) {
        Map<String, String> copy = new HashMap<>(values);
        java.util.Set<String> blanks = new java.util.HashSet<>(blank);
        copy.remove(name);
        blanks.remove(name);
        if (value != null && isEmpty(value)) {
            blanks.add(name);
        } else if (value != null) {
            copy.put(name, value.trim());
        }
        return new Settings(Collections.unmodifiableMap(copy), Collections.unmodifiableSet(blanks));
    }

    /** Whether {@code value} is empty once trimmed (white space, or control characters such as NUL, only). */
    private static boolean isEmpty(String value) {
        return value.isBlank() || value.trim().isEmpty();
    }

    /** The value of {@code name}, if set. */
    public Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** The value of {@code name}, or {@code defaultValue} when it is not set. */
    public String get(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /**
     * A host name or address in {@code name}: {@code defaultValue} when the variable is not given
     * at all, an error when it is given but empty or blank ({@code DB_HOST=}), or when it
     * holds anything but ASCII letters, digits and {@code . - _ : [ ] %} (a host name, its
     * ASCII form for an international one, or an IPv4/IPv6 address).
     *
     * @throws ConfigurationException naming the variable when it is empty, blank or not a host
     */
    public String getHost(String name, String defaultValue) {
        if (blank.contains(name)) {
            throw new ConfigurationException(name, name + " is set but empty; give a host name or"
                    + " address, or unset " + name + " to use the default '" + defaultValue + "'");
        }
        String value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']' || c == '%';
            if (!allowed) {
                throw new ConfigurationException(name, name + "=" + display(name, value)
                        + " is not a host name or address: character " + i + " (" + (c > ' ' && c < 0x7f
                        ? "'" + c + "'" : String.format("U+%04X", (int) c)) + ") is not allowed; expected"
                        + " letters, digits, '.', '-', '_' (a name; the ASCII form of an international one)"
                        + " or an IPv4/IPv6 address");
            }
        }
        if ((value.indexOf(':') >= 0 || value.indexOf('[') >= 0 || value.indexOf(']') >= 0 || value.indexOf('%') >= 0)
                && !isIpv6Literal(value)) {
            throw new ConfigurationException(name, name + "=" + display(name, value) + " is not a host name or"
                    + " address: ':', '[', ']' and '%' belong only in an IPv6 address such as ::1 or [fe80::1%eth0]");
        }
        return value;
    }

    /** Whether {@code value} is an IPv6 address, bracketed or not, with an optional zone; no lookup. */
    private static boolean isIpv6Literal(String value) {
        String v = value.startsWith("[") && value.endsWith("]") ? value.substring(1, value.length() - 1) : value;
        int zone = v.indexOf('%');
        String address = zone < 0 ? v : v.substring(0, zone);
        if (zone >= 0 && !v.substring(zone + 1).matches("[A-Za-z0-9._-]+")) {
            return false;
        }
        if (!address.matches("[0-9A-Fa-f:.]+") || address.indexOf(':') < 0) {
            return false;
        }
        try {
            // a literal of hex digits, ':' and '.' only: parsed, never looked up
            return java.net.InetAddress.getByName("[" + address + "]") instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The value of {@code name}, lower-cased, checked against the {@code allowed} values.
     *
     * @throws ConfigurationException when the value is not one of {@code allowed}
     */
    public String getChoice(String name, String defaultValue, java.util.Collection<String> allowed) {
        String value = get(name, defaultValue).toLowerCase(Locale.ROOT);
        if (!allowed.contains(value)) {
            throw new ConfigurationException(name, name + "=" + display(name, values.get(name))
                    + " is not supported; expected one of " + new java.util.TreeSet<>(allowed));
        }
        return value;
    }

    /**
     * The value of {@code name} as an {@code int} within {@code [min, max]}.
     *
     * @throws ConfigurationException when it is not a whole number in range
     */
    public int getInt(String name, int defaultValue, int min, int max) {
        String raw = values.get(name);
        if (raw == null) {
            return defaultValue;
        }
        int value;
        try {
            value = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new ConfigurationException(name, name + "=" + display(name, raw)
                    + " is not a whole number; expected a number from " + min + " to " + max);
        }
        if (value < min || value > max) {
            throw new ConfigurationException(name, name + "=" + display(name, raw)
                    + " is out of range; expected a number from " + min + " to " + max);
        }
        return value;
    }

    /** A TCP port (1 to 65535) in {@code name}. */
    public int getPort(String name, int defaultValue) {
        return getInt(name, defaultValue, 1, 65535);
    }

    /**
     * A positive duration in {@code name}, given in whole seconds ({@code 3600}) or with a unit
     * ({@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}), at most {@link #MAX_DURATION}.
     *
     * @throws ConfigurationException when the value is not a positive duration, or is too long
     */
    public Duration getDuration(String name, Duration defaultValue) {
        return getDuration(name, defaultValue, MAX_DURATION);
    }

    /**
     * A positive duration in {@code name}, as {@link #getDuration(String, Duration)}, at most
     * {@code max} (for example {@link #MAX_TIMEOUT}).
     *
     * @throws ConfigurationException when the value is not a positive duration, or is longer than {@code max}
     */
    public Duration getDuration(String name, Duration defaultValue, Duration max) {
        String raw = values.get(name);
        if (raw == null) {
            return defaultValue;
        }
        Duration value = parseDuration(raw);
        if (value == null || value.isZero() || value.isNegative()) {
            throw new ConfigurationException(name, name + "=" + display(name, raw)
                    + " is not a positive duration; expected whole seconds (3600) or a number"
                    + " with a unit (250ms, 30s, 5m, 1h), at most " + describe(max));
        }
        if (value.compareTo(max) > 0) {
            throw new ConfigurationException(name, name + "=" + display(name, raw)
                    + " is out of range; expected a positive duration of at most " + describe(max));
        }
        return value;
    }

    private static String describe(Duration d) {
        return d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays())) ? d.toDays() + (d.toDays() == 1 ? " day" : " days")
                : d.toString();
    }

    /**
     * A boolean in {@code name}: {@code true}/{@code false}, {@code yes}/{@code no},
     * {@code 1}/{@code 0}, {@code on}/{@code off}.
     */
    public boolean getBoolean(String name, boolean defaultValue) {
        String raw = values.get(name);
        if (raw == null) {
            return defaultValue;
        }
        switch (raw.toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "1": case "on":
                return true;
            case "false": case "no": case "0": case "off":
                return false;
            default:
                throw new ConfigurationException(name, name + "=" + display(name, raw)
                        + " is not a boolean; expected true or false");
        }
    }

    /** Whether {@code name} holds a secret whose value must never be shown. */
    public static boolean isSecret(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return upper.contains("PASSWORD") || upper.contains("SECRET") || upper.contains("TOKEN");
    }

    private static String display(String name, String value) {
        if (value == null) {
            return "(not set)";
        }
        return isSecret(name) ? "(redacted)" : "'" + value + "'";
    }

    private static Duration parseDuration(String raw) {
        String s = raw.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
            }
            if (s.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1).trim()));
            }
            if (s.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1).trim()));
            }
            if (s.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1).trim()));
            }
            return Duration.ofSeconds(Long.parseLong(s));
        } catch (NumberFormatException | ArithmeticException e) {
            // not a number, or a number of hours (minutes, seconds) that overflows a Duration
            return null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Settings && ((Settings) o).values.equals(values) && ((Settings) o).blank.equals(blank);
    }

    @Override
    public int hashCode() {
        return values.hashCode() * 31 + blank.hashCode();
    }

    /** The variables, with every secret's value shown as {@code (redacted)}. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        values.forEach((k, v) -> shown.put(k, isSecret(k) ? "(redacted)" : v));
        return "Settings" + shown;
    }

    static String requireName(String name) {
        return Objects.requireNonNull(name, "name");
    }
}
