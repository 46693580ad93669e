package dev.cacheaside;

import java.util.Objects;

/**
 * How results are written to the store: the prefix of every key and the largest encoded entry.
 * An immutable value of {@link CacheAsideOptions} that is valid once made.
 *
 * @param keyPrefix printable ASCII without spaces, at most
 *     {@value CacheAsideOptions#MAX_KEY_PREFIX_LENGTH} characters; may be empty
 * @param maxEntryBytes the largest encoded entry that is cached, in bytes; positive
 */
record Entries(String keyPrefix, int maxEntryBytes) {

    /**
     * Checks the values.
     *
     * @throws NullPointerException when the prefix is {@code null}
     * @throws IllegalArgumentException naming the setting and the value when one is invalid
     */
    Entries {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.length() > CacheAsideOptions.MAX_KEY_PREFIX_LENGTH) {
            throw new IllegalArgumentException("keyPrefix must be at most " + CacheAsideOptions.MAX_KEY_PREFIX_LENGTH
                    + " characters, was " + keyPrefix.length());
        }
        for (int i = 0; i < keyPrefix.length(); i++) {
            char ch = keyPrefix.charAt(i);
            if (ch <= ' ' || ch > '~') {
                throw new IllegalArgumentException("keyPrefix must be printable ASCII without spaces, was '"
                        + keyPrefix + "' (character " + i + ")");
            }
        }
        if (maxEntryBytes < 1) {
            throw new IllegalArgumentException("maxEntryBytes must be positive, was " + maxEntryBytes);
        }
    }
}
