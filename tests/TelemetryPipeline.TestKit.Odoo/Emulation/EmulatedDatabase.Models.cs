using System.Globalization;

namespace TelemetryPipeline.TestKit.Odoo.Emulation;

/// <summary>The models the emulator knows, with the field lists and texts of the recorded Odoo 19 database.</summary>
internal sealed partial class EmulatedDatabase
{
    private const string GroupUser = "base.group_user";
    private const string GroupPortal = "base.group_portal";
    private const string GroupSystem = "base.group_system";
    private const string GroupErpManager = "base.group_erp_manager";
    private const string GroupAnalytic = "analytic.group_analytic_accounting";
    private const string GroupAccountReadonly = "account.group_account_readonly";
    private const string GroupAccountInvoice = "account.group_account_invoice";
    private const string GroupAccountUser = "account.group_account_user";
    private const string GroupAccountManager = "account.group_account_manager";
    private const string GroupProjectManager = "project.group_project_manager";
    private const string GroupTimesheetUser = "hr_timesheet.group_hr_timesheet_user";

    private static FieldSpec F(string name, string type, string label, bool required = false, string? relation = null) => new(name, type, label, required, relation);

    private void DefineModels()
    {
        var internalUsers = new AccessRule([GroupUser]);
        var admins = new AccessRule([GroupErpManager, GroupSystem]);

        Define(new ModelSpec("res.users", "User", "name, login") { Read = internalUsers, Create = admins, Write = admins }
            .AddRange([
                F("id", "integer", "ID"), Display(), F("name", "char", "Name", true) with { NotNull = true }, F("login", "char", "Login", true) with { NotNull = true },
                F("password", "char", "Password"), F("active", "boolean", "Active"),
                F("company_id", "many2one", "Company", true, "res.company"), F("company_ids", "many2many", "Companies", false, "res.company"),
                F("group_ids", "many2many", "Groups", false, "res.groups"),
                F("all_group_ids", "many2many", "Groups and implied groups", false, "res.groups") with { Compute = static (db, row) => db.EffectiveGroups(row.Id).Order().ToList() },
                F("share", "boolean", "Share User"),
            ]));

        Define(new ModelSpec("res.groups", "Access Groups", "name") { Read = internalUsers, Create = admins, Write = admins }
            .AddRange([
                F("id", "integer", "ID"), Display(), F("name", "char", "Name", true) with { NotNull = true }, F("full_name", "char", "Group Name"),
                F("implied_ids", "many2many", "Inherits", false, "res.groups"),
            ]));

        Define(new ModelSpec("res.company", "Companies", "sequence, name") { Read = internalUsers, Create = admins, Write = admins }
            .AddRange([
                F("id", "integer", "ID"), Display(), F("name", "char", "Company Name", true) with { NotNull = true },
                F("currency_id", "many2one", "Currency", true, "res.currency"), F("country_id", "many2one", "Country", false, "res.country"),
                F("sequence", "integer", "Sequence"),
            ]));

        Define(new ModelSpec("res.currency", "Currency", "active desc, name") { Read = internalUsers, Create = admins, Write = admins }
            .AddRange([
                F("id", "integer", "ID"), Display(), F("name", "char", "Currency", true) with { NotNull = true }, F("active", "boolean", "Active"),
                F("symbol", "char", "Symbol", true), F("rounding", "float", "Rounding Factor"),
            ]));

        Define(new ModelSpec("res.country", "Country", "name") { Read = internalUsers }
            .AddRange([F("id", "integer", "ID"), Display(), F("name", "char", "Country Name", true) with { NotNull = true }, F("code", "char", "Country Code")]));

        Define(new ModelSpec("hr.employee", "Employee", "name") { Read = internalUsers }
            .AddRange([F("id", "integer", "ID"), Display(), F("name", "char", "Employee Name", true) with { NotNull = true }, F("user_id", "many2one", "User", false, "res.users")]));

        Define(new ModelSpec("ir.model.data", "Model Data", "module, model, name") { Read = internalUsers, Create = admins, Write = admins }
            .AddRange([
                F("id", "integer", "ID"), Display(), F("name", "char", "External Identifier", true) with { NotNull = true },
                F("complete_name", "char", "Complete ID") with { Compute = static (_, row) => $"{row["module"]}.{row["name"]}" },
                F("model", "char", "Model Name", true) with { NotNull = true }, F("module", "char", "Module", true) with { NotNull = true },
                F("res_id", "many2one_reference", "Record ID"), F("noupdate", "boolean", "Non Updatable"),
            ]));

        Define(new ModelSpec("account.analytic.plan", "Analytic Plans", "sequence asc, id")
        {
            Read = new AccessRule([GroupAnalytic, GroupAccountUser]),
            Create = new AccessRule([GroupAnalytic, GroupAccountUser]),
            Write = new AccessRule([GroupAnalytic, GroupAccountUser]),
        }.AddRange([
            F("id", "integer", "ID"), Display(), F("name", "char", "Name", true) with { NotNull = true },
            F("complete_name", "char", "Complete Name") with { Compute = static (db, row) => db.PlanCompleteName(row) },
            F("parent_id", "many2one", "Parent", false, "account.analytic.plan"),
            F("root_id", "many2one", "Root", false, "account.analytic.plan") with { Compute = static (db, row) => db.RootPlanOf(row.Id) },
            F("default_applicability", "selection", "Default Applicability", true),
            F("account_count", "integer", "Analytic Accounts Count") with { Compute = static (db, row) => (long)db.Model("account.analytic.account").Rows.Values.Count(a => (long?)a["plan_id"] == row.Id) },
            F("sequence", "integer", "Sequence"), F("color", "integer", "Color"),
        ]));

        Define(new ModelSpec("account.analytic.account", "Analytic Account", "plan_id, name asc")
        {
            DisplayName = static (_, row) => row["code"] is string code ? $"[{code}] {row["name"]}" : (string)row["name"]!,
            Read = internalUsers,
            Create = new AccessRule([GroupProjectManager, GroupAnalytic, GroupAccountUser]),
            Write = new AccessRule([GroupProjectManager, GroupAnalytic, GroupAccountUser]),
        }.AddRange(AnalyticAccountFields()));

        Define(new ModelSpec("account.analytic.line", "Analytic Line", "date desc, id desc")
        {
            Read = new AccessRule([GroupAccountManager, GroupAccountInvoice, GroupProjectManager, GroupTimesheetUser, GroupAnalytic, GroupAccountReadonly]),
            Create = new AccessRule([GroupAccountInvoice, GroupProjectManager, GroupTimesheetUser, GroupAnalytic]),
            Write = new AccessRule([GroupAccountInvoice, GroupProjectManager, GroupTimesheetUser, GroupAnalytic]),
        }.AddRange(AnalyticLineFields()));

        Define(new ModelSpec("account.account", "Account", "code")
        {
            Read = new AccessRule([GroupAccountInvoice, GroupAccountReadonly]),
            Create = new AccessRule([GroupAccountManager]),
            Write = new AccessRule([GroupAccountManager]),
        }.AddRange([
            F("id", "integer", "ID"), Display(), F("name", "char", "Account Name", true) with { NotNull = true }, F("code", "char", "Code"),
            F("account_type", "selection", "Type", true), F("company_ids", "many2many", "Companies", true, "res.company"),
        ]));

        Define(new ModelSpec("account.journal", "Journal", "sequence, type, code")
        {
            Read = new AccessRule([GroupAccountInvoice, GroupAccountReadonly]),
            Create = new AccessRule([GroupAccountManager]),
            Write = new AccessRule([GroupAccountManager]),
        }.AddRange([
            F("id", "integer", "ID"), Display(), F("name", "char", "Journal Name", true) with { NotNull = true }, F("code", "char", "Short Code", true),
            F("type", "selection", "Type", true), F("company_id", "many2one", "Company", true, "res.company"),
            F("currency_id", "many2one", "Currency", false, "res.currency"), F("sequence", "integer", "Sequence"),
        ]));

        var moveRead = new AccessRule([GroupAccountManager, GroupAccountInvoice, GroupPortal, GroupAccountReadonly]);
        var moveWrite = new AccessRule([GroupAccountInvoice]);
        Define(new ModelSpec("account.move", "Journal Entry", "date desc, name desc, id desc")
        {
            DisplayName = static (_, row) => row["name"] as string ?? "Draft Entry",
            Read = moveRead,
            Create = moveWrite,
            Write = moveWrite,
        }.AddRange([
            F("id", "integer", "ID"), Display(), F("name", "char", "Number"),
            F("state", "selection", "Status", true), F("move_type", "selection", "Type", true),
            F("date", "date", "Date", true), F("ref", "char", "Reference"), F("narration", "html", "Terms and Conditions"),
            F("journal_id", "many2one", "Journal", true, "account.journal"), F("company_id", "many2one", "Company", false, "res.company"),
            F("currency_id", "many2one", "Currency", true, "res.currency"), F("partner_id", "many2one", "Partner", false, "res.partner"),
            F("line_ids", "one2many", "Journal Items", false, "account.move.line") with { Compute = static (db, row) => db.MoveLineIds(row.Id) },
            F("amount_total", "monetary", "Total") with { Compute = static (db, row) => db.MoveTotal(row.Id) },
            F("create_date", "datetime", "Created on"), F("write_date", "datetime", "Last Updated on"),
        ]));

        Define(new ModelSpec("account.move.line", "Journal Item", "date desc, move_name desc, id")
        {
            DisplayName = static (db, row) => db.MoveLineDisplayName(row),
            Read = moveRead,
            Create = moveWrite,
            Write = moveWrite,
        }.AddRange([
            F("id", "integer", "ID"), Display(), F("name", "char", "Label"),
            F("move_id", "many2one", "Journal Entry", true, "account.move"),
            F("move_name", "char", "Number") with { Compute = static (db, row) => db.Model("account.move").Rows[(long)row["move_id"]!]["name"] },
            F("date", "date", "Date") with { Compute = static (db, row) => db.Model("account.move").Rows[(long)row["move_id"]!]["date"] },
            F("account_id", "many2one", "Account", false, "account.account") with { NotNull = true },
            F("debit", "monetary", "Debit"), F("credit", "monetary", "Credit"),
            F("balance", "monetary", "Balance") with { Compute = static (_, row) => Num(row["debit"]) - Num(row["credit"]) },
            F("amount_currency", "monetary", "Amount in Currency") with { Compute = static (_, row) => Num(row["debit"]) - Num(row["credit"]) },
            F("currency_id", "many2one", "Currency", true, "res.currency"), F("company_id", "many2one", "Company", false, "res.company"),
            F("quantity", "float", "Quantity"), F("partner_id", "many2one", "Partner", false, "res.partner"),
            F("analytic_distribution", "json", "Analytic Distribution"),
            F("analytic_line_ids", "one2many", "Analytic lines", false, "account.analytic.line") with { Compute = static (db, row) => db.AnalyticLinesOfMoveLine(row.Id) },
            F("parent_state", "selection", "Status") with { Compute = static (db, row) => db.Model("account.move").Rows[(long)row["move_id"]!]["state"] },
        ]));
    }

    private static FieldSpec Display() => F("display_name", "char", "Display Name") with { Compute = static (db, row) => db.DisplayNameOf(row) };

    private static IEnumerable<FieldSpec> AnalyticLineFields() =>
    [
        F("id", "integer", "ID"),
        Display(),
        F("account_id", "many2one", "Project Account", relation: "account.analytic.account"),
        F("auto_account_id", "many2one", "Analytic Account", relation: "account.analytic.account") with { Compute = static (_, row) => row["account_id"] },
        F("name", "char", "Description", required: true) with { NotNull = true },
        F("date", "date", "Date", required: true),
        F("amount", "monetary", "Amount", required: true),
        F("unit_amount", "float", "Quantity"),
        F("product_uom_id", "many2one", "Unit", relation: "uom.uom"),
        F("partner_id", "many2one", "Partner", relation: "res.partner"),
        F("user_id", "many2one", "User", relation: "res.users"),
        F("company_id", "many2one", "Company", required: true, relation: "res.company"),
        F("currency_id", "many2one", "Currency", relation: "res.currency") with { Compute = static (db, row) => db.CompanyCurrency((long?)row["company_id"]) },
        F("category", "selection", "Category"),
        F("fiscal_year_search", "boolean", "Fiscal Year Search") with { Compute = static (_, _) => false },
        F("analytic_distribution", "json", "Analytic Distribution") with { Compute = static (db, row) => db.LineDistribution(row) },
        F("analytic_precision", "integer", "Analytic Precision") with { Compute = static (_, _) => 2L },
        F("create_uid", "many2one", "Created by", relation: "res.users"),
        F("create_date", "datetime", "Created on"),
        F("write_uid", "many2one", "Last Updated by", relation: "res.users"),
        F("write_date", "datetime", "Last Updated on"),
        F("product_id", "many2one", "Product", relation: "product.product"),
        F("general_account_id", "many2one", "Financial Account", relation: "account.account"),
        F("journal_id", "many2one", "Financial Journal", relation: "account.journal"),
        F("move_line_id", "many2one", "Journal Item", relation: "account.move.line"),
        F("code", "char", "Code"),
        F("ref", "char", "Ref."),
        F("task_id", "many2one", "Task", relation: "project.task"),
        F("parent_task_id", "many2one", "Parent Task", relation: "project.task"),
        F("project_id", "many2one", "Project", relation: "project.project"),
        F("employee_id", "many2one", "Employee", relation: "hr.employee"),
        F("job_title", "char", "Job Title"),
        F("department_id", "many2one", "Department", relation: "hr.department"),
        F("manager_id", "many2one", "Manager", relation: "hr.employee"),
        F("encoding_uom_id", "many2one", "Encoding Uom", relation: "uom.uom"),
        F("readonly_timesheet", "boolean", "Readonly Timesheet") with { Compute = static (_, _) => false },
        F("milestone_id", "many2one", "Milestone", relation: "project.milestone"),
        F("message_partner_ids", "many2many", "Message Partner", relation: "res.partner"),
        F("calendar_display_name", "char", "Calendar Display Name") with { Compute = static (_, row) => row["name"] },
    ];

    private static IEnumerable<FieldSpec> AnalyticAccountFields() =>
    [
        F("id", "integer", "ID"),
        Display(),
        F("message_is_follower", "boolean", "Is Follower") with { Compute = static (_, _) => false },
        F("message_follower_ids", "one2many", "Followers", relation: "mail.followers") with { Compute = static (_, _) => new List<long>() },
        F("message_partner_ids", "many2many", "Followers (Partners)", relation: "res.partner") with { Compute = static (_, _) => new List<long>() },
        F("message_ids", "one2many", "Messages", relation: "mail.message") with { Compute = static (_, _) => new List<long>() },
        F("has_message", "boolean", "Has Message") with { Compute = static (_, _) => false },
        F("message_needaction", "boolean", "Action Needed") with { Compute = static (_, _) => false },
        F("message_needaction_counter", "integer", "Number of Actions") with { Compute = static (_, _) => 0L },
        F("message_has_error", "boolean", "Message Delivery error") with { Compute = static (_, _) => false },
        F("message_has_error_counter", "integer", "Number of errors") with { Compute = static (_, _) => 0L },
        F("message_attachment_count", "integer", "Attachment Count") with { Compute = static (_, _) => 0L },
        F("rating_ids", "one2many", "Ratings", relation: "rating.rating") with { Compute = static (_, _) => new List<long>() },
        F("website_message_ids", "one2many", "Website Messages", relation: "mail.message") with { Compute = static (_, _) => new List<long>() },
        F("message_has_sms_error", "boolean", "SMS Delivery error") with { Compute = static (_, _) => false },
        F("name", "char", "Analytic Account", required: true) with { NotNull = true },
        F("code", "char", "Reference"),
        F("active", "boolean", "Active"),
        F("plan_id", "many2one", "Plan", required: true, relation: "account.analytic.plan") with { NotNull = true },
        F("root_plan_id", "many2one", "Root Plan", relation: "account.analytic.plan") with { Compute = static (db, row) => db.RootPlanOf((long)row["plan_id"]!) },
        F("color", "integer", "Color Index"),
        F("line_ids", "one2many", "Analytic Lines", relation: "account.analytic.line") with { Compute = static (db, row) => db.LinesOfAccount(row.Id) },
        F("company_id", "many2one", "Company", relation: "res.company"),
        F("partner_id", "many2one", "Customer", relation: "res.partner"),
        F("balance", "monetary", "Balance") with { Compute = static (db, row) => db.AccountBalance(row.Id, 0) },
        F("debit", "monetary", "Debit") with { Compute = static (db, row) => db.AccountBalance(row.Id, 1) },
        F("credit", "monetary", "Credit") with { Compute = static (db, row) => db.AccountBalance(row.Id, -1) },
        F("currency_id", "many2one", "Currency", relation: "res.currency") with { Compute = static (db, row) => db.CompanyCurrency((long?)row["company_id"] ?? MainCompanyId) },
        F("create_uid", "many2one", "Created by", relation: "res.users"),
        F("create_date", "datetime", "Created on"),
        F("write_uid", "many2one", "Last Updated by", relation: "res.users"),
        F("write_date", "datetime", "Last Updated on"),
        F("invoice_count", "integer", "Invoice Count") with { Compute = static (_, _) => 0L },
        F("vendor_bill_count", "integer", "Vendor Bill Count") with { Compute = static (_, _) => 0L },
        F("project_ids", "one2many", "Projects", relation: "project.project") with { Compute = static (_, _) => new List<long>() },
        F("project_count", "integer", "Project Count") with { Compute = static (_, _) => 0L },
    ];

    /// <summary>The recorded database's starting point: "alloc", fresh, no demo data, before fixture 01.</summary>
    private void Seed(OdooEmulatorOptions options)
    {
        (long Id, string XmlId, string Label, long[] Implied, long DataId)[] groups =
        [
            (1, GroupUser, "Role / User", [], 5),
            (2, GroupPortal, "Role / Portal", [], 6),
            (3, "base.group_public", "Role / Public", [], 7),
            (4, GroupSystem, "Administration/Settings", [1, 5], 8),
            (5, GroupErpManager, "Administration/Access Rights", [1], 9),
            (18, GroupAnalytic, "Analytic Accounting", [1], 14817),
            (19, GroupAccountReadonly, "Show Accounting Features - Readonly", [1], 15001),
            (20, GroupAccountInvoice, "Accounting/Invoicing", [1], 15002),
            (21, GroupAccountUser, "Show Full Accounting Features", [20, 19], 15003),
            (22, GroupAccountManager, "Accounting/Administrator", [20, 19], 15004),
            (30, "project.group_project_user", "Project/User", [1], 16001),
            (31, GroupProjectManager, "Project/Administrator", [30], 16002),
            (40, GroupTimesheetUser, "Timesheets/User: own timesheets only", [1], 17001),
        ];
        foreach (var (id, xmlId, label, implied, dataId) in groups)
        {
            var slash = label.LastIndexOf('/');
            Insert("res.groups", id, new Row { ["name"] = slash < 0 ? label : label[(slash + 1)..].Trim(), ["full_name"] = label, ["implied_ids"] = implied.ToList() });
            var dot = xmlId.IndexOf('.', StringComparison.Ordinal);
            Insert("ir.model.data", dataId, new Row { ["module"] = xmlId[..dot], ["name"] = xmlId[(dot + 1)..], ["model"] = "res.groups", ["res_id"] = id, ["noupdate"] = true });
        }

        Model("res.groups").NextId = 100;
        Model("ir.model.data").NextId = 40057;

        Insert("res.country", 233, new Row { ["name"] = "United States", ["code"] = "US" });
        Insert("res.currency", 1, new Row { ["name"] = "USD", ["active"] = true, ["symbol"] = "$", ["rounding"] = 0.01 });
        Insert("res.currency", 126, new Row { ["name"] = "EUR", ["active"] = false, ["symbol"] = "€", ["rounding"] = 0.01 });
        Model("res.currency").NextId = 200;
        Insert("res.company", MainCompanyId, new Row { ["name"] = "My Company", ["currency_id"] = 1L, ["country_id"] = 233L, ["sequence"] = 10L });

        List<long> adminGroups = [1, 4, 5, 22, 31];
        if (options.GrantAnalyticAccounting)
        {
            adminGroups.Add(18);
        }

        Insert("res.users", 1, new Row { ["name"] = "OdooBot", ["login"] = "__system__", ["active"] = false, ["company_id"] = MainCompanyId, ["company_ids"] = new List<long> { MainCompanyId }, ["group_ids"] = new List<long> { 1, 4 } });
        Insert("res.users", AdminUid, new Row { ["name"] = "Administrator", ["login"] = options.Login, ["password"] = options.Password, ["active"] = true, ["company_id"] = MainCompanyId, ["company_ids"] = new List<long> { MainCompanyId }, ["group_ids"] = adminGroups });
        Insert("res.users", 3, new Row { ["name"] = "Public user", ["login"] = "public", ["active"] = false, ["share"] = true, ["company_id"] = MainCompanyId, ["company_ids"] = new List<long> { MainCompanyId }, ["group_ids"] = new List<long> { 3 } });
        Insert("res.users", 4, new Row { ["name"] = "Default User Template", ["login"] = "default", ["active"] = false, ["company_id"] = MainCompanyId, ["company_ids"] = new List<long> { MainCompanyId }, ["group_ids"] = new List<long> { 1 } });
        Insert("hr.employee", 1, new Row { ["name"] = "Administrator", ["user_id"] = AdminUid });
        _apiKeys[options.ApiKey] = AdminUid;

        Insert("account.analytic.plan", ProjectPlanId, new Row { ["name"] = "Project", ["parent_id"] = null, ["default_applicability"] = "optional", ["sequence"] = 10L });
        Insert("account.analytic.account", 1, new Row { ["name"] = "Internal", ["code"] = null, ["plan_id"] = ProjectPlanId, ["company_id"] = MainCompanyId, ["active"] = true });
        Model("account.analytic.line").NextId = 3;

        (long Id, string Code, string Name, string Type)[] accounts =
        [
            (6, "121000", "Account Receivable", "asset_receivable"), (14, "201000", "Current Liabilities", "liability_current"),
            (15, "211000", "Account Payable", "liability_payable"), (16, "211100", "Bills to receive", "liability_current"),
            (17, "212000", "Deferred Revenue", "liability_current"), (18, "230000", "Salary Payable", "liability_current"),
            (19, "230100", "Employee Payroll Taxes", "liability_current"), (20, "230200", "Employer Payroll Taxes", "liability_current"),
            (21, "251000", "Tax Received", "liability_current"), (28, "400000", "Product Sales", "income"),
            (29, "443000", "Cash Discount Loss", "expense"), (32, "600000", "Expenses", "expense"), (33, "610000", "Stock Variation", "expense"),
            (34, "611000", "Purchase of Equipments", "expense"), (35, "612000", "Rent", "expense"), (36, "620000", "Bank Fees", "expense"),
            (37, "630000", "Salary Expenses", "expense"), (38, "641000", "Foreign Exchange Loss", "expense"),
            (39, "642000", "Cash Difference Loss", "expense"), (41, "961000", "RD Expenses", "expense"), (42, "962000", "Sales Expenses", "expense"),
        ];
        foreach (var (id, code, name, type) in accounts)
        {
            Insert("account.account", id, new Row { ["code"] = code, ["name"] = name, ["account_type"] = type, ["company_ids"] = new List<long> { MainCompanyId } });
        }

        Model("account.account").NextId = 100;
        (long Id, string Name, string Code, string Type, long Sequence)[] journals =
        [
            (1, "Customer Invoices", "INV", "sale", 5), (2, "Vendor Bills", "BILL", "purchase", 6), (3, "Miscellaneous Operations", "MISC", "general", 9),
            (4, "Exchange Difference", "EXCH", "general", 9), (5, "Bank", "BNK1", "bank", 10), (6, "Cash", "CSH1", "cash", 10),
        ];
        foreach (var (id, name, code, type, sequence) in journals)
        {
            Insert("account.journal", id, new Row { ["name"] = name, ["code"] = code, ["type"] = type, ["company_id"] = MainCompanyId, ["currency_id"] = null, ["sequence"] = sequence });
        }

        Model("account.journal").NextId = 7;
    }

    private void Insert(string model, long id, Row values)
    {
        var spec = Model(model);
        values["id"] = id;
        foreach (var field in spec.Fields)
        {
            if (field.Compute is null && !values.ContainsKey(field.Name))
            {
                values[field.Name] = field.IsX2Many ? new List<long>() : null;
            }
        }

        if (spec.HasField("create_date"))
        {
            values["create_date"] ??= Now();
            values["write_date"] ??= values["create_date"];
        }

        spec.Rows[id] = values;
        spec.NextId = Math.Max(spec.NextId, id + 1);
    }

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
