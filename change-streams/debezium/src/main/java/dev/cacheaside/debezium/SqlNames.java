package dev.cacheaside.debezium;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Checks for the identifiers this module writes into SQL text (they cannot be bound). */
final class SqlNames {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");

    private SqlNames() {
    }

    /**
     * {@code name} when it is a plain identifier, optionally qualified ({@code schema.table}).
     *
     * @throws IllegalArgumentException naming {@code setting} otherwise
     */
    static String checked(String name, String setting) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException(setting + " must be a plain SQL identifier (letters, digits, _;"
                    + " optionally schema-qualified), was '" + name + "'");
        }
        return name;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
