package dev.cacheaside.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.env.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LoadSampleData into in-memory H2. */
class LoadSampleDataTest {

    @Test
    void loadsTheGivenScaleAndSaysWhatItDoes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoadSampleData.run(new String[] {"2", "7"}, Settings.of(Map.of("DB_NAME", "loadsampletest")),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as("exit code; stderr: " + err).isZero();
        assertThat(printed).contains("Sample: scale 2, seed 7").contains("in-memory database")
                .contains("booking: 2000 rows").contains("flight: 200 rows").contains("Done in");
    }

    @Test
    void badArgumentsPrintUsage() {
        for (String[] args : new String[][] {{"0"}, {"x"}, {"10001"}, {"1", "2", "3"}}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = LoadSampleData.run(args, Settings.empty(), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(code).as(String.join(" ", args)).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: LoadSampleData");
        }
    }

    @Test
    void unknownEngineIsAConfigurationError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoadSampleData.run(new String[0], Settings.of(Map.of("DB_ENGINE", "oracle")), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("DB_ENGINE='oracle'").contains("postgresql");
    }
}
