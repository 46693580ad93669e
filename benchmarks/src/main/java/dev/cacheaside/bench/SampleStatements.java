package dev.cacheaside.bench;

import dev.cacheaside.bench.Results.Statement;
import dev.cacheaside.r2dbc.SqlScript;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The statements the load driver measures: those picked ({@link LoadDriver#PICKS}) from the three sample files on the class path. */
final class SampleStatements {

    private SampleStatements() {
    }

    /** The picked statements of the three sample files, without their comment lines. */
    static List<Statement> picked() {
        String[] files = {"sql/01_simple_queries.sql", "sql/02_medium_queries.sql", "sql/03_advanced_queries.sql"};
        List<Statement> picked = new ArrayList<>();
        int f = 0;
        for (Map.Entry<String, int[]> pick : LoadDriver.PICKS.entrySet()) {
            List<String> all = SqlScript.split(resource(files[f++]));
            for (int index : pick.getValue()) {
                String raw = all.get(index - 1);
                StringBuilder label = new StringBuilder();
                StringBuilder sql = new StringBuilder();
                for (String lineText : raw.split("\n")) {
                    String t = lineText.strip();
                    if (t.startsWith("--")) {
                        if (sql.length() == 0) {
                            label.setLength(0);
                            label.append(t.substring(2).strip());
                        }
                    } else if (!t.isEmpty()) {
                        sql.append(sql.length() == 0 ? "" : "\n").append(lineText.stripTrailing());
                    }
                }
                picked.add(new Statement(pick.getKey(), index, label.toString(), sql.toString()));
            }
        }
        return picked;
    }

    static Statement find(List<Statement> statements, String level, int index) {
        return statements.stream().filter(s -> s.level().equals(level) && s.index() == index).findFirst()
                .orElseThrow(() -> new IllegalStateException("no statement " + level + " #" + index));
    }

    private static String resource(String name) {
        try (InputStream in = SampleStatements.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (it comes with cache-aside-examples)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
