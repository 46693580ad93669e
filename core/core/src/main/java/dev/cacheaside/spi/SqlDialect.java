package dev.cacheaside.spi;

/**
 * The SQL family a {@link QueryExecutor} speaks, so that the read check lexes quotes, comments
 * and bind markers the way the database will.
 *
 * <p>{@link #UNKNOWN} makes the check conservative: a text is accepted only when it is a single
 * read under every dialect's lexing.
 */
public enum SqlDialect {
    /** PostgreSQL: {@code '...'} without backslash escapes, {@code E'...'}, {@code $tag$...$tag$}, nested comments. */
    POSTGRESQL,
    /** MySQL and MariaDB: backslash escapes, backticks, {@code #} comments, {@code /*! ... *}{@code /} executable comments. */
    MYSQL,
    /** H2: {@code '...'} without backslash escapes, {@code $$...$$}, {@code //} comments. */
    H2,
    /** Not known: every dialect's lexing must agree that the text is one read. */
    UNKNOWN
}
