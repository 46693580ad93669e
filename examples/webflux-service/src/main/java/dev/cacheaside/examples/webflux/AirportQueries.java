package dev.cacheaside.examples.webflux;

/**
 * The service's SQL, portable across H2, MySQL, MariaDB and PostgreSQL; bind parameters are
 * written {@code ?} (the library translates them per driver).
 */
final class AirportQueries {

    /** One airline by id (one table). */
    static final String AIRLINE =
            "SELECT airline_id, iata, airlinename, base_airport FROM airline WHERE airline_id = ?";

    /** One flight with its airline and both airports (four tables). */
    static final String FLIGHT = "SELECT f.flight_id, f.flightno, f.departure, f.arrival,"
            + " al.airline_id, al.iata AS airline_iata, al.airlinename,"
            + " dep.airport_id AS from_airport_id, dep.iata AS from_iata, dep.name AS from_name,"
            + " dep.city AS from_city, dep.country AS from_country,"
            + " arr.airport_id AS to_airport_id, arr.iata AS to_iata, arr.name AS to_name,"
            + " arr.city AS to_city, arr.country AS to_country"
            + " FROM flight f"
            + " JOIN airline al ON al.airline_id = f.airline_id"
            + " JOIN airport dep ON dep.airport_id = f.from_airport"
            + " JOIN airport arr ON arr.airport_id = f.to_airport"
            + " WHERE f.flight_id = ?";

    /** A passenger's bookings with flight and route (five tables). */
    static final String PASSENGER_BOOKINGS = "SELECT b.booking_id, b.seat, b.price, f.flight_id, f.flightno,"
            + " f.departure, dep.iata AS from_iata, arr.iata AS to_iata, p.firstname, p.lastname"
            + " FROM booking b"
            + " JOIN passenger p ON p.passenger_id = b.passenger_id"
            + " JOIN flight f ON f.flight_id = b.flight_id"
            + " JOIN airport dep ON dep.airport_id = f.from_airport"
            + " JOIN airport arr ON arr.airport_id = f.to_airport"
            + " WHERE b.passenger_id = ?"
            + " ORDER BY f.departure, b.booking_id";

    /**
     * The ten busiest routes: flights, passengers, revenue and load factor per route (flight,
     * airplane, booking and airport twice, aggregated in two levels).
     */
    static final String BUSY_ROUTES = "WITH per_flight AS ("
            + " SELECT f.flight_id, f.from_airport, f.to_airport, p.capacity,"
            + " COUNT(b.booking_id) AS booked, COALESCE(SUM(b.price), 0) AS revenue"
            + " FROM flight f"
            + " JOIN airplane p ON p.airplane_id = f.airplane_id"
            + " LEFT JOIN booking b ON b.flight_id = f.flight_id"
            + " GROUP BY f.flight_id, f.from_airport, f.to_airport, p.capacity)"
            + " SELECT dep.iata AS from_iata, arr.iata AS to_iata, COUNT(*) AS flights,"
            + " SUM(pf.booked) AS passengers, SUM(pf.revenue) AS revenue,"
            + " ROUND(100.0 * SUM(pf.booked) / SUM(pf.capacity), 2) AS load_factor_pct"
            + " FROM per_flight pf"
            + " JOIN airport dep ON dep.airport_id = pf.from_airport"
            + " JOIN airport arr ON arr.airport_id = pf.to_airport"
            + " GROUP BY dep.iata, arr.iata"
            + " ORDER BY passengers DESC, revenue DESC, from_iata, to_iata"
            + " LIMIT 10";

    private AirportQueries() {
    }
}
