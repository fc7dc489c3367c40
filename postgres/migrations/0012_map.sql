-- The district map (package geomap, queries in postgres/maps.go): the desa
-- boundaries a district admin uploads as GeoJSON, and the coordinates of
-- Puskesmas and posyandu, drawn as points where no boundaries are uploaded.

-- One boundary per desa, in WGS84 longitude/latitude as a GeoJSON
-- MultiPolygon (already checked and simplified by geomap.Parse). An upload
-- replaces every row.
CREATE TABLE map_boundaries (
    desa_id     bigint PRIMARY KEY REFERENCES bts_desa (id) ON DELETE CASCADE,
    shape       jsonb NOT NULL CHECK (shape->>'type' IN ('Polygon', 'MultiPolygon')),
    property    text NOT NULL,
    uploaded_by text NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE facilities
    ADD COLUMN lat double precision CHECK (lat BETWEEN -90 AND 90),
    ADD COLUMN lon double precision CHECK (lon BETWEEN -180 AND 180),
    ADD CONSTRAINT facilities_lat_lon CHECK ((lat IS NULL) = (lon IS NULL));

ALTER TABLE bts_posyandu
    ADD COLUMN lat double precision CHECK (lat BETWEEN -90 AND 90),
    ADD COLUMN lon double precision CHECK (lon BETWEEN -180 AND 180),
    ADD CONSTRAINT bts_posyandu_lat_lon CHECK ((lat IS NULL) = (lon IS NULL));
