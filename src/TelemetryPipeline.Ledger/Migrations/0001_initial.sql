-- Ledger schema v1: allocations staged by settlement, approved by finance, posted to Odoo.
-- Statuses and transitions: ALLOCATION-RULES.md "Statuses". Amounts: numeric(18,2), never floating point.

CREATE TABLE allocations (
    allocation_id  text          PRIMARY KEY,
    period         date          NOT NULL,
    project_code   text          NOT NULL,
    cost_code      text          NOT NULL,
    revision       integer       NOT NULL CHECK (revision >= 1),
    currency       text          NOT NULL,
    status         text          NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'posted', 'post_failed')),
    amount         numeric(18,2) NOT NULL,
    operating_ms   bigint        NOT NULL,
    idle_ms        bigint        NOT NULL,
    fuel_ml        bigint        NOT NULL,
    created_at     timestamptz   NOT NULL DEFAULT now(),
    updated_at     timestamptz   NOT NULL DEFAULT now(),
    odoo_refs      text          NULL,
    post_error     text          NULL,
    post_attempts  integer       NOT NULL DEFAULT 0,
    CONSTRAINT allocations_period_project_cost_revision UNIQUE (period, project_code, cost_code, revision)
);

CREATE INDEX allocations_status_period ON allocations (status, period);

CREATE TABLE allocation_lines (
    allocation_id              text          NOT NULL REFERENCES allocations (allocation_id),
    line_no                    integer       NOT NULL,
    equipment_id               text          NOT NULL,
    operating_ms               bigint        NOT NULL,
    idle_ms                    bigint        NOT NULL,
    fuel_ml                    bigint        NOT NULL,
    operating_amount           numeric(18,2) NOT NULL,
    idle_amount                numeric(18,2) NOT NULL,
    fuel_amount                numeric(18,2) NOT NULL,
    amount                     numeric(18,2) NOT NULL,
    -- Rates are stored exactly as applied (unconstrained numeric), so the line shows why its amount is what it is.
    rate_operating             numeric       NOT NULL,
    rate_idle                  numeric       NOT NULL,
    rate_fuel_included         boolean       NOT NULL,
    rate_fuel_price_per_liter  numeric       NOT NULL,
    rate_currency              text          NOT NULL,
    rate_valid_from_ms         bigint        NOT NULL,
    PRIMARY KEY (allocation_id, equipment_id),
    CONSTRAINT allocation_lines_line_no UNIQUE (allocation_id, line_no)
);

CREATE TABLE allocation_audit (
    id             bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    allocation_id  text          NOT NULL REFERENCES allocations (allocation_id),
    at             timestamptz   NOT NULL DEFAULT clock_timestamp(),
    actor          text          NOT NULL,
    actor_kind     text          NOT NULL CHECK (actor_kind IN ('person', 'policy', 'system')),
    from_status    text          NULL,
    to_status      text          NOT NULL,
    comment        text          NULL
);

CREATE INDEX allocation_audit_allocation ON allocation_audit (allocation_id, id);

CREATE TABLE settlement_runs (
    id               bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at       timestamptz  NOT NULL,
    finished_at      timestamptz  NOT NULL,
    now_used         timestamptz  NOT NULL,
    period_from      date         NULL,
    period_to        date         NULL,
    staged           integer      NOT NULL,
    exceptions       integer      NOT NULL,
    instance         text         NOT NULL,
    recorded_at      timestamptz  NOT NULL DEFAULT now()
);

-- The latest exception list of each period: a settlement run replaces the rows of the periods it recomputed.
CREATE TABLE settlement_exceptions (
    id               bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           bigint       NULL REFERENCES settlement_runs (id),
    kind             text         NOT NULL,
    period           date         NOT NULL,
    identifier       text         NOT NULL,
    equipment_id     text         NULL,
    project_code     text         NULL,
    cost_code        text         NULL,
    operating_ms     bigint       NOT NULL,
    idle_ms          bigint       NOT NULL,
    fuel_ml          bigint       NOT NULL,
    detail           text         NOT NULL,
    recorded_at      timestamptz  NOT NULL DEFAULT now()
);

CREATE INDEX settlement_exceptions_period ON settlement_exceptions (period, kind);

-- The audit trail is append-only: who approved what, when and why must never be rewritten.
CREATE FUNCTION ledger_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'allocation_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'P0A01', HINT = 'Audit rows are written by status transitions only.';
END
$$;

CREATE TRIGGER allocation_audit_no_update_delete
    BEFORE UPDATE OR DELETE ON allocation_audit
    FOR EACH ROW EXECUTE FUNCTION ledger_audit_append_only();

CREATE TRIGGER allocation_audit_no_truncate
    BEFORE TRUNCATE ON allocation_audit
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_audit_append_only();

-- Staged numbers are never rewritten (a change is a new revision), allocations are never deleted, and the
-- status moves only along the documented transitions.
CREATE FUNCTION ledger_allocation_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'allocations are never deleted (allocation %)', OLD.allocation_id USING ERRCODE = 'P0A02';
    END IF;
    IF NEW.allocation_id IS DISTINCT FROM OLD.allocation_id
       OR NEW.period IS DISTINCT FROM OLD.period
       OR NEW.project_code IS DISTINCT FROM OLD.project_code
       OR NEW.cost_code IS DISTINCT FROM OLD.cost_code
       OR NEW.revision IS DISTINCT FROM OLD.revision
       OR NEW.currency IS DISTINCT FROM OLD.currency
       OR NEW.amount IS DISTINCT FROM OLD.amount
       OR NEW.operating_ms IS DISTINCT FROM OLD.operating_ms
       OR NEW.idle_ms IS DISTINCT FROM OLD.idle_ms
       OR NEW.fuel_ml IS DISTINCT FROM OLD.fuel_ml
       OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'staged allocation % is immutable: changes are staged as a new revision', OLD.allocation_id
            USING ERRCODE = 'P0A02';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
           (OLD.status = 'pending' AND NEW.status IN ('approved', 'rejected'))
        OR (OLD.status = 'approved' AND NEW.status IN ('posted', 'post_failed'))
        OR (OLD.status = 'post_failed' AND NEW.status IN ('posted', 'post_failed'))) THEN
        RAISE EXCEPTION 'illegal status transition % -> % for allocation %', OLD.status, NEW.status, OLD.allocation_id
            USING ERRCODE = 'P0A03';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER allocations_guard
    BEFORE UPDATE OR DELETE ON allocations
    FOR EACH ROW EXECUTE FUNCTION ledger_allocation_guard();

CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is immutable: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'P0A02';
END
$$;

CREATE TRIGGER allocation_lines_immutable
    BEFORE UPDATE OR DELETE ON allocation_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();

CREATE TRIGGER allocation_lines_no_truncate
    BEFORE TRUNCATE ON allocation_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();

CREATE TRIGGER allocations_no_truncate
    BEFORE TRUNCATE ON allocations
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();
