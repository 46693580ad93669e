package dev.cacheaside.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** The Java classes that may be bound as parameters and stored in the cache. */
public final class ParameterTypes {

    /** Every supported class, for messages and checks. */
    public static final Set<Class<?>> SUPPORTED = Set.of(
            String.class, Integer.class, Long.class, Short.class, Byte.class, Boolean.class,
            Double.class, Float.class, BigDecimal.class, BigInteger.class,
            LocalDate.class, LocalTime.class, LocalDateTime.class, OffsetDateTime.class,
            OffsetTime.class, ZonedDateTime.class, Instant.class, UUID.class, byte[].class);

    private static final List<String> NAMES = SUPPORTED.stream()
            .map(Class::getSimpleName).sorted().toList();

    private ParameterTypes() {
    }

    public static boolean isSupported(Object value) {
        return value == null || SUPPORTED.contains(value.getClass());
    }

    public static String supportedNames() {
        return String.join(", ", NAMES) + " and null";
    }
}
