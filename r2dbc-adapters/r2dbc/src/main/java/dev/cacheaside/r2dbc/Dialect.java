package dev.cacheaside.r2dbc;

import java.util.Locale;

/** The database family behind a connection factory, from its metadata name. */
enum Dialect {
    H2(SqlScript.Syntax.STANDARD),
    MYSQL(SqlScript.Syntax.MYSQL),
    MARIADB(SqlScript.Syntax.MYSQL),
    POSTGRESQL(SqlScript.Syntax.POSTGRESQL),
    OTHER(SqlScript.Syntax.STANDARD);

    final SqlScript.Syntax syntax;

    Dialect(SqlScript.Syntax syntax) {
        this.syntax = syntax;
    }

    /** The dialect for a {@code ConnectionFactoryMetadata.getName()}, such as "PostgreSQL". */
    static Dialect fromProductName(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        if (n.contains("postgres")) {
            return POSTGRESQL;
        }
        if (n.contains("mariadb")) {
            return MARIADB;
        }
        if (n.contains("mysql")) {
            return MYSQL;
        }
        if (n.equals("h2")) {
            return H2;
        }
        return OTHER;
    }

    boolean isMySqlFamily() {
        return this == MYSQL || this == MARIADB;
    }
}
