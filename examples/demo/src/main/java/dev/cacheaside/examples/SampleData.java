package dev.cacheaside.examples;

import dev.cacheaside.spi.QueryExecutor;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import reactor.core.publisher.Mono;

/**
 * A deterministic airport database in the spirit of MySQL's {@code airportdb}, generated from a
 * scale and a seed, and a loader that puts it into H2, MySQL, MariaDB or PostgreSQL.
 *
 * <h2>Tables</h2>
 * {@code airline}, {@code airport}, {@code airplane_type}, {@code airplane},
 * {@code flightschedule}, {@code flight}, {@code passenger}, {@code passengerdetails} and
 * {@code booking}, each with an integer (or, for {@code flightschedule}, a {@code flightno})
 * primary key and the columns the sample queries use; no foreign keys, so tables load
 * independently. Row counts for scale {@code s}:
 * <table>
 *   <caption>rows per table</caption>
 *   <tr><th>table</th><th>rows</th><th>s = 1</th><th>s = 100</th><th>s = 1000</th></tr>
 *   <tr><td>airline</td><td>min(8 + 2s, 120)</td><td>10</td><td>120</td><td>120</td></tr>
 *   <tr><td>airport</td><td>min(40 + 10s, 10000)</td><td>50</td><td>1,040</td><td>10,000</td></tr>
 *   <tr><td>airplane_type</td><td>12</td><td>12</td><td>12</td><td>12</td></tr>
 *   <tr><td>airplane</td><td>5 per airline</td><td>50</td><td>600</td><td>600</td></tr>
 *   <tr><td>flightschedule</td><td>min(20s, 10000)</td><td>20</td><td>2,000</td><td>10,000</td></tr>
 *   <tr><td>flight</td><td>100s</td><td>100</td><td>10,000</td><td>100,000</td></tr>
 *   <tr><td>passenger, passengerdetails</td><td>100s each</td><td>100</td><td>10,000</td><td>100,000</td></tr>
 *   <tr><td>booking</td><td>1000s</td><td>1,000</td><td>100,000</td><td>1,000,000</td></tr>
 * </table>
 * Scale 1 (about 1,400 rows) is for tests and the demo programs on embedded H2; scale 1000 (about 1.3
 * million rows) makes the advanced sample queries take tens to hundreds of milliseconds
 * uncached on MariaDB and PostgreSQL. The same scale and seed give the same rows on every JVM
 * ({@link SplittableRandom} is specified exactly).
 *
 * <h2>Loading</h2>
 * {@link #loadInto} creates each table, inserts the rows with multi-row {@code INSERT}s of
 * {@code ?} parameters (a few batches in parallel), then creates the indexes, and records the
 * table in a bookkeeping table {@code cacheaside_sample} (table name, scale, seed, row count).
 * It never drops or changes a table it did not create: a table that exists without a record
 * there fails the load with an error naming the table. A table it did create is kept when it
 * holds the same scale and seed, and dropped and loaded again otherwise. DDL differs between
 * dialects only where it must: the date-time column type ({@code DATETIME} on MySQL and
 * MariaDB, {@code TIMESTAMP} elsewhere).
 *
 * <p>Immutable and thread safe; rows are generated lazily each time they are asked for.
 */
public final class SampleData {

    /** The seed used when none is given. */
    public static final long DEFAULT_SEED = 42L;

    /** The largest scale accepted: ten million bookings. */
    public static final int MAX_SCALE = 10_000;

    /** The bookkeeping table that marks the tables the loader created. */
    static final String MARKER_TABLE = "cacheaside_sample";

    private static final LocalDate FIRST_DAY = LocalDate.of(2025, 1, 1);
    private static final int DAYS = 365;
    private static final int PARAMETERS_PER_INSERT = 4000;

    private static final String[] CITIES = {"Amsterdam", "Berlin", "Chicago", "Dublin", "Edinburgh",
        "Frankfurt", "Geneva", "Helsinki", "Istanbul", "Johannesburg", "Kyoto", "Lisbon", "Madrid",
        "Nairobi", "Oslo", "Paris", "Quebec", "Rome", "Seoul", "Toronto", "Utrecht", "Vienna",
        "Warsaw", "Xiamen", "Yokohama", "Zurich", "Athens", "Bogota", "Cairo", "Denver", "Lima",
        "Manila", "Perth", "Riga", "Sydney", "Tallinn", "Vilnius", "Zagreb"};
    private static final String[] COUNTRIES = {"Netherlands", "Germany", "United States", "Ireland",
        "United Kingdom", "Germany", "Switzerland", "Finland", "Turkey", "South Africa", "Japan",
        "Portugal", "Spain", "Kenya", "Norway", "France", "Canada", "Italy", "South Korea", "Canada",
        "Netherlands", "Austria", "Poland", "China", "Japan", "Switzerland", "Greece", "Colombia",
        "Egypt", "United States", "Peru", "Philippines", "Australia", "Latvia", "Australia",
        "Estonia", "Lithuania", "Croatia"};
    private static final String[] AIRPORT_KINDS = {"International", "Regional", "City", "Airfield"};
    private static final String[] AIRLINE_WORDS = {"Blue", "Northern", "Pacific", "Atlantic", "Royal",
        "Sun", "Star", "Silver", "Polar", "Coastal", "Alpine", "Golden"};
    private static final String[] AIRLINE_SUFFIX = {"Airways", "Air", "Airlines", "Aviation", "Express"};
    private static final String[][] TYPES = {{"A319", "Airbus A319", "124"}, {"A320", "Airbus A320", "150"},
        {"A321", "Airbus A321", "185"}, {"A330", "Airbus A330-300", "277"}, {"A350", "Airbus A350-900", "315"},
        {"B737", "Boeing 737-800", "162"}, {"B738", "Boeing 737 MAX 8", "172"}, {"B763", "Boeing 767-300", "218"},
        {"B77W", "Boeing 777-300ER", "350"}, {"B789", "Boeing 787-9", "290"}, {"E190", "Embraer E190", "98"},
        {"AT76", "ATR 72-600", "70"}};
    private static final String[] FIRST_NAMES = {"Ada", "Bruno", "Chen", "Dana", "Emil", "Fatima", "Goran",
        "Hana", "Ivan", "Julia", "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa",
        "Sven", "Tara", "Ugo", "Vera", "Wim", "Xenia", "Yusuf", "Zoe"};
    private static final String[] LAST_NAMES = {"Andersen", "Brown", "Costa", "Dubois", "Eriksen", "Fischer",
        "Garcia", "Hansen", "Ito", "Jansen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov",
        "Quispe", "Rossi", "Schmidt", "Tanaka", "Ueda", "Virtanen", "Weber", "Xu", "Yilmaz", "Zimmermann"};

    private final int scale;
    private final long seed;
    private final List<SampleTable> tables;

    private SampleData(int scale, long seed) {
        this.scale = scale;
        this.seed = seed;
        this.tables = build();
    }

    /**
     * The sample at {@code scale} from {@code seed}. Cheap: the big tables are generated only
     * when loaded.
     *
     * @param scale from 1 to {@link #MAX_SCALE}; see the class Javadoc for row counts
     * @throws IllegalArgumentException when {@code scale} is out of range
     */
    public static SampleData generate(int scale, long seed) {
        if (scale < 1 || scale > MAX_SCALE) {
            throw new IllegalArgumentException("scale=" + scale + " is out of range; expected 1 to " + MAX_SCALE);
        }
        return new SampleData(scale, seed);
    }

    /** The sample at {@code scale} from {@link #DEFAULT_SEED}. */
    public static SampleData generate(int scale) {
        return generate(scale, DEFAULT_SEED);
    }

    /** The scale. */
    public int scale() {
        return scale;
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** Row counts by table, in load order. */
    public Map<String, Long> rowCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (SampleTable t : tables) {
            counts.put(t.name, t.rowCount);
        }
        return Collections.unmodifiableMap(counts);
    }

    /** The column names of {@code table}, in order. */
    public List<String> columns(String table) {
        return table(table).columns;
    }

    /**
     * The rows of {@code table}, generated on the fly (deterministic: the same scale and seed
     * always give the same rows). Each array is new and belongs to the caller.
     */
    public Iterator<Object[]> rows(String table) {
        return table(table).rows();
    }

    List<SampleTable> tables() {
        return tables;
    }

    private SampleTable table(String name) {
        for (SampleTable t : tables) {
            if (t.name.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no table '" + name + "'; tables are " + rowCounts().keySet());
    }

    /**
     * Loads the sample into the database behind {@code executor}; see the class Javadoc.
     *
     * @param progress receives one line per step (table created, rows inserted, indexes made)
     * @return a {@link Mono} completing when every table is loaded; lazy: nothing happens until
     *     subscription. It errors with {@link IllegalStateException} naming the table when a table
     *     exists that the loader did not create, and with the database's error otherwise
     */
    public Mono<Void> loadInto(QueryExecutor executor, Consumer<String> progress) {
        return new SampleLoader(this, executor, progress, false).load();
    }

    /** {@link #loadInto(QueryExecutor, Consumer)} without progress output. */
    public Mono<Void> loadInto(QueryExecutor executor) {
        return loadInto(executor, line -> { });
    }

    /** Loads unless a complete sample of any scale is there; for the demo programs on embedded H2. */
    Mono<Void> loadIfAbsent(QueryExecutor executor, Consumer<String> progress) {
        return new SampleLoader(this, executor, progress, true).load();
    }

    static int parametersPerInsert() {
        return PARAMETERS_PER_INSERT;
    }

    // ---------------------------------------------------------------- generation

    private SplittableRandom random(int table, long row) {
        // one independent, reproducible stream per (table, row): any row can be made alone
        return new SplittableRandom(seed * 1_000_003L + table * 7_919L + row * 104_729L);
    }

    private List<SampleTable> build() {
        int airports = Math.min(40 + 10 * scale, 10_000);
        int airlines = Math.min(8 + 2 * scale, 120);
        int airplanes = airlines * 5;
        int schedules = Math.min(20 * scale, 10_000);
        int flights = 100 * scale;
        int passengers = 100 * scale;
        long bookings = 1000L * scale;

        List<SampleTable> list = new ArrayList<>();
        list.add(new SampleTable("airline",
                "airline_id INT NOT NULL, iata CHAR(2) NOT NULL, airlinename VARCHAR(40) NOT NULL,"
                        + " base_airport INT NOT NULL, PRIMARY KEY (airline_id)",
                List.of("iata"), airlines, i -> {
                    SplittableRandom r = random(1, i);
                    String name = AIRLINE_WORDS[i % AIRLINE_WORDS.length] + " "
                            + AIRLINE_SUFFIX[(i / AIRLINE_WORDS.length) % AIRLINE_SUFFIX.length];
                    if (i >= AIRLINE_WORDS.length * AIRLINE_SUFFIX.length) {
                        name = name + " " + (i / (AIRLINE_WORDS.length * AIRLINE_SUFFIX.length) + 1);
                    }
                    return new Object[] {i + 1, letters((i * 29L) % 676, 2), name, 1 + r.nextInt(airports)};
                }));
        list.add(new SampleTable("airport",
                "airport_id INT NOT NULL, iata CHAR(3) NOT NULL, icao CHAR(4) NOT NULL, name VARCHAR(60) NOT NULL,"
                        + " city VARCHAR(40) NOT NULL, country VARCHAR(40) NOT NULL, latitude DECIMAL(9,6) NOT NULL,"
                        + " longitude DECIMAL(9,6) NOT NULL, PRIMARY KEY (airport_id)",
                List.of("iata", "country"), airports, i -> {
                    SplittableRandom r = random(2, i);
                    int c = r.nextInt(CITIES.length);
                    String city = CITIES[c];
                    String name = city + " " + AIRPORT_KINDS[i % AIRPORT_KINDS.length]
                            + (i >= CITIES.length ? " " + (i / CITIES.length + 1) : "");
                    return new Object[] {i + 1, letters((i * 7919L) % 17_576, 3), letters((i * 7919L) % 456_976, 4),
                        name, city, COUNTRIES[c], decimal(r.nextDouble(-60, 70), 6), decimal(r.nextDouble(-180, 180), 6)};
                }));
        list.add(new SampleTable("airplane_type",
                "type_id INT NOT NULL, identifier VARCHAR(30) NOT NULL, description VARCHAR(100) NOT NULL,"
                        + " PRIMARY KEY (type_id)",
                List.of(), TYPES.length, i -> new Object[] {i + 1, TYPES[i][0], TYPES[i][1]}));
        list.add(new SampleTable("airplane",
                "airplane_id INT NOT NULL, capacity INT NOT NULL, type_id INT NOT NULL, airline_id INT NOT NULL,"
                        + " PRIMARY KEY (airplane_id)",
                List.of("airline_id"), airplanes, i -> {
                    SplittableRandom r = random(4, i);
                    int type = r.nextInt(TYPES.length);
                    return new Object[] {i + 1, Integer.parseInt(TYPES[type][2]), type + 1, i / 5 + 1};
                }));
        list.add(new SampleTable("flightschedule",
                "flightno VARCHAR(8) NOT NULL, from_airport INT NOT NULL, to_airport INT NOT NULL,"
                        + " departure TIME NOT NULL, arrival TIME NOT NULL, airline_id INT NOT NULL,"
                        + " monday SMALLINT NOT NULL, tuesday SMALLINT NOT NULL, wednesday SMALLINT NOT NULL,"
                        + " thursday SMALLINT NOT NULL, friday SMALLINT NOT NULL, saturday SMALLINT NOT NULL,"
                        + " sunday SMALLINT NOT NULL, PRIMARY KEY (flightno)",
                List.of("airline_id", "from_airport", "to_airport"), schedules, i -> {
                    Schedule s = schedule(i, airports, airlines);
                    SplittableRandom r = random(6, i);
                    Object[] row = new Object[13];
                    row[0] = s.flightno;
                    row[1] = s.from;
                    row[2] = s.to;
                    row[3] = s.departure;
                    row[4] = s.departure.plusMinutes(s.minutes);
                    row[5] = s.airline;
                    for (int d = 0; d < 7; d++) {
                        row[6 + d] = (short) (r.nextInt(10) < 7 ? 1 : 0);
                    }
                    return row;
                }));
        list.add(new SampleTable("flight",
                "flight_id INT NOT NULL, flightno VARCHAR(8) NOT NULL, from_airport INT NOT NULL,"
                        + " to_airport INT NOT NULL, departure {TIMESTAMP} NOT NULL, arrival {TIMESTAMP} NOT NULL,"
                        + " airline_id INT NOT NULL, airplane_id INT NOT NULL, PRIMARY KEY (flight_id)",
                List.of("flightno", "from_airport, departure", "to_airport", "airline_id", "departure"), flights, i -> {
                    SplittableRandom r = random(7, i);
                    Schedule s = schedule(r.nextInt(schedules), airports, airlines);
                    LocalDateTime departure = FIRST_DAY.plusDays(r.nextInt(DAYS)).atTime(s.departure);
                    int airplane = (s.airline - 1) * 5 + 1 + r.nextInt(5);
                    return new Object[] {i + 1, s.flightno, s.from, s.to, departure,
                        departure.plusMinutes(s.minutes), s.airline, airplane};
                }));
        list.add(new SampleTable("passenger",
                "passenger_id INT NOT NULL, passportno CHAR(9) NOT NULL, firstname VARCHAR(40) NOT NULL,"
                        + " lastname VARCHAR(40) NOT NULL, PRIMARY KEY (passenger_id)",
                List.of("lastname"), passengers, i -> {
                    SplittableRandom r = random(8, i);
                    return new Object[] {i + 1, String.format(java.util.Locale.ROOT, "P%08d", (i * 7_919L + 13) % 100_000_000L),
                        FIRST_NAMES[r.nextInt(FIRST_NAMES.length)], LAST_NAMES[r.nextInt(LAST_NAMES.length)]};
                }));
        list.add(new SampleTable("passengerdetails",
                "passenger_id INT NOT NULL, birthdate DATE NOT NULL, sex CHAR(1) NOT NULL, street VARCHAR(60) NOT NULL,"
                        + " city VARCHAR(40) NOT NULL, zip VARCHAR(10) NOT NULL, country VARCHAR(40) NOT NULL,"
                        + " emailaddress VARCHAR(80) NOT NULL, telephoneno VARCHAR(20) NOT NULL,"
                        + " PRIMARY KEY (passenger_id)",
                List.of("country"), passengers, i -> {
                    SplittableRandom r = random(9, i);
                    int c = r.nextInt(CITIES.length);
                    return new Object[] {i + 1, LocalDate.of(1940, 1, 1).plusDays(r.nextInt(70 * 365)),
                        r.nextBoolean() ? "F" : "M", (1 + r.nextInt(200)) + " Main Street", CITIES[c],
                        String.valueOf(10_000 + r.nextInt(90_000)), COUNTRIES[c],
                        "passenger" + (i + 1) + "@example.com", "+1-555-" + (1_000_000 + r.nextInt(9_000_000))};
                }));
        list.add(new SampleTable("booking",
                "booking_id INT NOT NULL, flight_id INT NOT NULL, seat VARCHAR(4) NOT NULL, passenger_id INT NOT NULL,"
                        + " price DECIMAL(10,2) NOT NULL, PRIMARY KEY (booking_id)",
                List.of("flight_id", "passenger_id"), bookings, i -> {
                    SplittableRandom r = random(10, i);
                    String seat = (1 + r.nextInt(40)) + String.valueOf((char) ('A' + r.nextInt(6)));
                    return new Object[] {i + 1, 1 + r.nextInt(flights), seat, 1 + r.nextInt(passengers),
                        BigDecimal.valueOf(4_900 + r.nextInt(95_100), 2)};
                }));
        return List.copyOf(list);
    }

    /** A flightschedule row's facts, recomputed from its index wherever a flight needs them. */
    private static final class Schedule {
        String flightno;
        int from;
        int to;
        int airline;
        LocalTime departure;
        int minutes;
    }

    private Schedule schedule(int i, int airports, int airlines) {
        SplittableRandom r = random(5, i);
        Schedule s = new Schedule();
        s.airline = 1 + r.nextInt(airlines);
        s.flightno = letters(((s.airline - 1) * 29L) % 676, 2) + (1000 + i);
        s.from = 1 + r.nextInt(airports);
        int to = 1 + r.nextInt(airports - 1);
        s.to = to >= s.from ? to + 1 : to;
        s.departure = LocalTime.of(5 + r.nextInt(18), 5 * r.nextInt(12));
        s.minutes = 45 + 5 * r.nextInt(120);
        return s;
    }

    private static String letters(long n, int length) {
        char[] out = new char[length];
        for (int i = length - 1; i >= 0; i--) {
            out[i] = (char) ('A' + n % 26);
            n /= 26;
        }
        return new String(out);
    }

    private static BigDecimal decimal(double value, int scale) {
        return BigDecimal.valueOf(value).setScale(scale, RoundingMode.HALF_UP);
    }

    @Override
    public String toString() {
        return "SampleData[scale=" + scale + ", seed=" + seed + ", rows=" + rowCounts() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SampleData && ((SampleData) o).scale == scale && ((SampleData) o).seed == seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(scale, seed);
    }
}
