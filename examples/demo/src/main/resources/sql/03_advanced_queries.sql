-- Advanced queries: four or more tables with aggregates, on the airport sample. Portable SQL:
-- runs unchanged on H2, MySQL 8, MariaDB 10.2+ and PostgreSQL. At scale 1000 (a million
-- bookings) each takes tens to hundreds of milliseconds uncached on MariaDB and PostgreSQL.

-- Revenue per airline and month
SELECT al.airlinename, EXTRACT(MONTH FROM f.departure) AS dep_month,
       COUNT(b.booking_id) AS bookings, SUM(b.price) AS revenue
FROM booking b
JOIN flight f ON f.flight_id = b.flight_id
JOIN airline al ON al.airline_id = f.airline_id
JOIN airplane p ON p.airplane_id = f.airplane_id
GROUP BY al.airlinename, EXTRACT(MONTH FROM f.departure)
ORDER BY al.airlinename, dep_month;

-- Busiest routes, with their load factor
WITH per_flight AS (
    SELECT f.flight_id, f.from_airport, f.to_airport, p.capacity, COUNT(b.booking_id) AS booked
    FROM flight f
    JOIN airplane p ON p.airplane_id = f.airplane_id
    LEFT JOIN booking b ON b.flight_id = f.flight_id
    GROUP BY f.flight_id, f.from_airport, f.to_airport, p.capacity
)
SELECT dep.iata AS from_iata, arr.iata AS to_iata, COUNT(*) AS flights, SUM(pf.booked) AS passengers,
       ROUND(100.0 * SUM(pf.booked) / SUM(pf.capacity), 2) AS load_factor_pct
FROM per_flight pf
JOIN airport dep ON dep.airport_id = pf.from_airport
JOIN airport arr ON arr.airport_id = pf.to_airport
GROUP BY dep.iata, arr.iata
ORDER BY passengers DESC, from_iata, to_iata
LIMIT 20;

-- Top spenders, with their country and how many airlines they flew
SELECT p.passenger_id, p.firstname, p.lastname, d.country,
       COUNT(*) AS bookings, COUNT(DISTINCT f.airline_id) AS airlines, SUM(b.price) AS spent
FROM booking b
JOIN passenger p ON p.passenger_id = b.passenger_id
JOIN passengerdetails d ON d.passenger_id = p.passenger_id
JOIN flight f ON f.flight_id = b.flight_id
GROUP BY p.passenger_id, p.firstname, p.lastname, d.country
ORDER BY spent DESC, p.passenger_id
LIMIT 10;

-- Each airline's busiest departure airport (window function)
WITH departures AS (
    SELECT al.airline_id, al.airlinename, ap.iata, COUNT(*) AS flights, SUM(p.capacity) AS seats
    FROM flight f
    JOIN airline al ON al.airline_id = f.airline_id
    JOIN airport ap ON ap.airport_id = f.from_airport
    JOIN airplane p ON p.airplane_id = f.airplane_id
    GROUP BY al.airline_id, al.airlinename, ap.iata
), ranked AS (
    SELECT d.airline_id, d.airlinename, d.iata, d.flights, d.seats,
           ROW_NUMBER() OVER (PARTITION BY d.airline_id ORDER BY d.flights DESC, d.iata) AS rank_in_airline
    FROM departures d
)
SELECT airlinename, iata, flights, seats
FROM ranked
WHERE rank_in_airline = 1
ORDER BY airlinename;

-- Bookings and average price by airplane type, for flights scheduled on Mondays
SELECT t.identifier, COUNT(DISTINCT f.flight_id) AS flights, COUNT(b.booking_id) AS bookings,
       ROUND(AVG(b.price), 2) AS avg_price
FROM booking b
JOIN flight f ON f.flight_id = b.flight_id
JOIN airplane p ON p.airplane_id = f.airplane_id
JOIN airplane_type t ON t.type_id = p.type_id
JOIN flightschedule s ON s.flightno = f.flightno
WHERE s.monday = 1
GROUP BY t.identifier
ORDER BY bookings DESC, t.identifier;
