package dev.cacheaside.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of core, read from its compiled classes: every class name, descriptor and
 * signature in a class file's constant pool that names one of our types is a dependency of that
 * class's package (what {@code jdeps} reports, without the tool). The SPI depends on nothing else
 * of ours, and the packages form no cycle.
 */
class PackageDependencyTest {

    /** A type of ours in a constant: {@code dev/cacheaside/.../Name}. */
    private static final Pattern OUR_TYPE = Pattern.compile("dev/cacheaside((?:/[a-z0-9_]+)*)/[A-Z][A-Za-z0-9_$]*");

    /** Package -> the other packages of ours its classes name. */
    private static Map<String, Set<String>> graph;

    @BeforeAll
    static void readClasses() throws IOException, URISyntaxException {
        Path root = Path.of(CacheAside.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(root).as("core's classes are a directory when its tests run").isDirectory();
        graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String name = root.relativize(file).toString().replace('\\', '/');
                String pkg = packageOf(name.substring(0, name.length() - ".class".length()));
                Set<String> deps = graph.computeIfAbsent(pkg, p -> new TreeSet<>());
                try (InputStream in = Files.newInputStream(file)) {
                    for (String constant : utf8Constants(in)) {
                        Matcher m = OUR_TYPE.matcher(constant);
                        while (m.find()) {
                            String used = "dev.cacheaside" + m.group(1).replace('/', '.');
                            if (!used.equals(pkg)) {
                                deps.add(used);
                            }
                        }
                    }
                }
            }
        }
        assertThat(graph).as("core's packages").containsKeys("dev.cacheaside", "dev.cacheaside.spi", "dev.cacheaside.internal");
    }

    @Test
    void theSpiDependsOnNothingElseOfOurs() {
        assertThat(graph.get("dev.cacheaside.spi")).as("packages of ours that dev.cacheaside.spi names").isEmpty();
    }

    @Test
    void theEngineDoesNotKnowTheFacade() {
        assertThat(graph.get("dev.cacheaside.internal")).as("packages of ours that the engine names")
                .doesNotContain("dev.cacheaside");
    }

    @Test
    void noPackageCycle() {
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            for (String next : graph.get(start)) {
                if (reaches(next, start, new HashSet<>())) {
                    cycles.add(start + " -> " + next + " -> ... -> " + start);
                }
            }
        }
        assertThat(cycles).as("package cycles among " + graph).isEmpty();
    }

    @Test
    void theReaderSeesADependencyThatIsThere() {
        // the facade uses the engine and the SPI: a reader that missed them would pass every rule above
        assertThat(graph.get("dev.cacheaside")).contains("dev.cacheaside.internal", "dev.cacheaside.spi");
        assertThat(graph.get("dev.cacheaside.internal")).contains("dev.cacheaside.spi");
    }

    private static boolean reaches(String from, String target, Set<String> seen) {
        if (from.equals(target)) {
            return true;
        }
        if (!seen.add(from)) {
            return false;
        }
        for (String next : graph.getOrDefault(from, Set.of())) {
            if (reaches(next, target, seen)) {
                return true;
            }
        }
        return false;
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return internalName.substring(0, slash).replace('/', '.');
    }

    /** The UTF-8 constants of a class file (JVMS 4.4): names, descriptors, signatures, strings. */
    static List<String> utf8Constants(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        List<String> out = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> out.add(in.readUTF());
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++;
                }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        return out;
    }
}
