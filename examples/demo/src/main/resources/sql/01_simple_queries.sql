-- Simple queries: one table each, on the airport sample (LoadSampleData, or the embedded H2
-- default). Portable SQL: runs unchanged on H2, MySQL, MariaDB and PostgreSQL.

-- An airline by its primary key
SELECT * FROM airline WHERE airline_id = 1;

-- The airports of one country, by name
SELECT airport_id, iata, icao, name, city FROM airport WHERE country = 'Germany' ORDER BY name, airport_id;

-- Every airplane type
SELECT type_id, identifier, description FROM airplane_type ORDER BY identifier;

-- Flights leaving one airport in the first quarter
SELECT flight_id, flightno, to_airport, departure, arrival
FROM flight
WHERE from_airport = 7 AND departure < TIMESTAMP '2025-04-01 00:00:00'
ORDER BY departure, flight_id;

-- Passengers with one last name
SELECT passenger_id, passportno, firstname, lastname FROM passenger WHERE lastname = 'Jansen' ORDER BY passenger_id LIMIT 20;

-- The ten most expensive bookings
SELECT booking_id, flight_id, seat, price FROM booking ORDER BY price DESC, booking_id LIMIT 10;

-- One price band at a glance
SELECT COUNT(*) AS bookings, MIN(price) AS cheapest, MAX(price) AS dearest, SUM(price) AS total
FROM booking WHERE price BETWEEN 100 AND 200;
