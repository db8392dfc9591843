-- Master data (aliases, assignment and rate timelines) persisted as it is consumed from the compacted topics, so a
-- restarted instance settles without re-reading them. Keys as in ALLOCATION-RULES.md; a record with the same key
-- replaces the earlier one (upsert). Rates are unconstrained numeric: stored exactly as the rate card states them.

CREATE TABLE master_aliases (
    scheme         text         NOT NULL,
    value          text         NOT NULL,
    equipment_id   text         NOT NULL,
    updated_at     timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (scheme, value)
);

CREATE TABLE master_assignments (
    equipment_id   text         NOT NULL,
    valid_from_ms  bigint       NOT NULL,
    valid_to_ms    bigint       NULL,
    project_code   text         NOT NULL,
    cost_code      text         NOT NULL,
    updated_at     timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (equipment_id, valid_from_ms)
);

CREATE TABLE master_rates (
    equipment_id          text         NOT NULL,
    valid_from_ms         bigint       NOT NULL,
    ownership             text         NOT NULL CHECK (ownership IN ('owned', 'rented')),
    operating_rate        numeric      NOT NULL,
    idle_rate             numeric      NOT NULL,
    fuel_included         boolean      NOT NULL,
    fuel_price_per_liter  numeric      NOT NULL,
    currency              text         NOT NULL,
    updated_at            timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (equipment_id, valid_from_ms)
);
