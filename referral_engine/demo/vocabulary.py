"""Words the demo firm is made of: names, companies, professions and the canned texts of notes and stories.

Every address uses the reserved `.example` top-level domain (RFC 2606), so a demo workspace can never e-mail a real
person, even with SMTP configured. Names are ASCII without apostrophes so they work unchanged in e-mail addresses.
"""

FIRST_NAMES = (
    "Ada", "Adam", "Aisha", "Alan", "Alba", "Alice", "Amara", "Amir", "Anna", "Arjun", "Ava", "Ben", "Bianca",
    "Carla", "Carlos", "Chen", "Chloe", "Clara", "Daniel", "David", "Dmitri", "Elena", "Eli", "Emma", "Erik",
    "Eva", "Farah", "Felix", "Fiona", "Freya", "Gabriel", "Grace", "Hana", "Hannah", "Hugo", "Ian", "Ines",
    "Isaac", "Ivan", "Jack", "Jamal", "James", "Jana", "Jonas", "Julia", "Kai", "Karim", "Kate", "Kenji", "Lara",
    "Laura", "Leo", "Lena", "Liam", "Lina", "Lucas", "Lucy", "Luis", "Maja", "Malik", "Marco", "Maria", "Mark",
    "Marta", "Maya", "Mei", "Mia", "Nadia", "Naomi", "Nina", "Noah", "Nora", "Olga", "Oliver", "Omar", "Oscar",
    "Paul", "Petra", "Priya", "Rafael", "Rania", "Ravi", "Rosa", "Ruth", "Sam", "Sara", "Sean", "Sofia", "Sven",
    "Tara", "Theo", "Tom", "Uma", "Victor", "Vera", "Wei", "Will", "Yara", "Yusuf", "Zoe",
)  # fmt: skip

LAST_NAMES = (
    "Abbott", "Adler", "Ahmed", "Alvarez", "Andersen", "Baker", "Banerjee", "Barros", "Becker", "Berg", "Bishop",
    "Blake", "Brandt", "Brooks", "Campbell", "Carter", "Castro", "Chandra", "Chen", "Clarke", "Costa", "Cruz",
    "Dahl", "Das", "Davies", "Dekker", "Diaz", "Dubois", "Duncan", "Eriksson", "Evans", "Falk", "Farouk",
    "Fischer", "Fleming", "Fontaine", "Foster", "Garcia", "Gill", "Gomez", "Graham", "Gray", "Gupta", "Haas",
    "Hall", "Hansen", "Harper", "Hayes", "Hoffmann", "Holm", "Hughes", "Hunt", "Ibrahim", "Ito", "Jansen",
    "Jensen", "Johansson", "Jones", "Kaur", "Keller", "Khan", "Kim", "Klein", "Koch", "Kowalski", "Kumar",
    "Lambert", "Lang", "Larsen", "Laurent", "Lee", "Lewis", "Lindqvist", "Lopez", "Lund", "Mahmoud", "Martin",
    "Mendes", "Meyer", "Mills", "Moreau", "Morgan", "Muller", "Murphy", "Nagy", "Nakamura", "Nel", "Nguyen",
    "Nielsen", "Novak", "Okafor", "Olsen", "Ortega", "Owens", "Park", "Patel", "Pereira", "Peters", "Petrov",
    "Quinn", "Rahman", "Ramos", "Reid", "Reyes", "Richter", "Rivera", "Roberts", "Rossi", "Russo", "Saito",
    "Santos", "Schmidt", "Schulz", "Shah", "Silva", "Singh", "Sousa", "Stein", "Stewart", "Suzuki", "Tan",
    "Taylor", "Torres", "Turner", "Vargas", "Vogel", "Wagner", "Walker", "Wang", "Ward", "Weber", "Wells",
    "White", "Wolf", "Wong", "Wright", "Yamamoto", "Young", "Zhang", "Ziegler", "Zimmer", "Lindgren", "Moller",
    "Serra", "Vidal", "Bauer", "Engel", "Frost",
)  # fmt: skip

# Company names: "<A> <B> <legal form>", then "... (<city>)" once those run out, so a name is unique in a firm.
COMPANY_FIRST = (
    "Harbor", "Summit", "Cedar", "Northgate", "Bluewater", "Ironwood", "Silverline", "Redbrick", "Oakridge",
    "Brightfield", "Copperleaf", "Eastwind", "Foxglove", "Granite", "Highland", "Kestrel", "Lakeside",
    "Meridian", "Millstone", "Nimbus", "Orchard", "Pinecrest", "Quarry", "Riverbend", "Saltmarsh", "Stonebridge",
    "Sunrise", "Thornbury", "Upland", "Valley", "Westbrook", "Willow", "Yardley", "Zenith", "Alder", "Beacon",
    "Cobalt", "Dune", "Ember", "Fjord", "Glacier", "Heron", "Indigo", "Juniper", "Keystone", "Linden", "Maple",
    "Northstar", "Onyx", "Pioneer", "Quill", "Rowan", "Sable", "Tidewater", "Unity", "Vantage", "Wren",
    "Arbor", "Bramble", "Clearwater", "Driftwood", "Elmstead", "Fairway", "Greystone", "Hawthorn", "Ivory",
    "Jetty", "Kingsley", "Lantern", "Moorland", "Newfield", "Oldbury", "Parkside", "Redwood", "Seaview",
    "Trinity", "Urban", "Vista", "Windmill",
)  # fmt: skip
COMPANY_SECOND = (
    "Analytics", "Logistics", "Foods", "Engineering", "Dental", "Robotics", "Textiles", "Pharma", "Builders",
    "Consulting", "Software", "Freight", "Packaging", "Studios", "Clinics", "Metals", "Plastics", "Energy",
    "Hotels", "Outfitters", "Labs", "Systems", "Print", "Motors", "Timber", "Coffee", "Brewing", "Optics",
    "Furniture", "Ceramics", "Security", "Finance", "Media", "Health", "Retail", "Marine", "Aerospace",
    "Agritech", "Biotech", "Components", "Controls", "Electrics", "Fabrication", "Glassworks", "Instruments",
    "Kitchens", "Lighting", "Machinery", "Networks", "Paper", "Pumps", "Resources", "Solar", "Tools",
    "Transport", "Travel", "Veterinary", "Water", "Wholesale", "Ventures",
)  # fmt: skip
LEGAL_FORMS = ("Ltd", "GmbH", "Inc.", "B.V.", "S.A.S.", "AB", "Oy", "LLC")
LEGAL_SLUGS = ("ltd", "gmbh", "inc", "bv", "sas", "ab", "oy", "llc")
CITIES = (
    "Leeds", "Lyon", "Malmo", "Porto", "Graz", "Ghent", "Turku", "Bergen", "Bristol", "Bremen", "Utrecht",
    "Lille", "Aarhus", "Bilbao", "Krakow", "Brno", "Cork", "Basel", "Leipzig", "Tampere", "Seville", "Bologna",
    "Nantes", "Gothenburg", "Rotterdam", "Antwerp", "Glasgow", "Dresden", "Valencia", "Geneva", "Oslo",
    "Edinburgh", "Hamburg", "Lisbon", "Vienna", "Zurich", "Dublin", "Milan", "Munich", "Prague",
)  # fmt: skip

# Industry and company size mixes of a small-business services firm's customer base (illustrative).
INDUSTRIES = (
    "Manufacturing", "Professional services", "Retail", "Healthcare", "Logistics", "Construction", "Software",
    "Financial services", "Hospitality", "Education", "Energy", "Real estate",
)  # fmt: skip
INDUSTRY_WEIGHTS = (16, 15, 10, 9, 8, 8, 8, 7, 6, 5, 4, 4)

# Professions that sell to the same market (seed 003), each with the need of our customers it serves and the
# market it sells to. A BNI chapter seats one member per profession, so the chapter has one of each.
PROFESSIONS = (
    ("accountant", "bookkeeping and year-end accounts", "Owner-managed companies with 5 to 250 staff"),
    ("commercial lawyer", "advice on contracts and employment law", "Growing companies signing larger deals"),
    ("insurance broker", "a review of business insurance", "Companies with premises, fleets or key staff"),
    ("IT managed services", "office IT support and security", "Offices of 10 to 200 people without an IT team"),
    ("commercial property agent", "a larger office or warehouse", "Companies outgrowing their premises"),
    ("marketing agency", "a new website and lead generation", "B2B firms that sell to other businesses"),
    ("payroll bureau", "outsourced payroll", "Employers of 5 to 500 staff"),
    ("HR consultant", "hiring and HR policies", "Companies hiring their first HR person"),
    ("business banker", "financing for growth", "Companies investing in equipment or expansion"),
    ("financial planner", "pensions and benefits for staff", "Directors and their employees"),
    ("printer", "printed materials and signage", "Retailers, events and trade-show exhibitors"),
    ("architect", "an office refit", "Companies moving or refitting premises"),
    ("photographer", "corporate photography", "Companies launching products or websites"),
    ("energy consultant", "lower energy costs", "Sites with high electricity or gas bills"),
    ("translation agency", "translation for export markets", "Exporters entering new countries"),
    ("recruitment agency", "recruiting senior staff", "Companies hiring managers and specialists"),
    ("web designer", "an online shop", "Retailers and wholesalers selling online"),
    ("office supplies", "office furniture and supplies", "Offices of every size"),
    ("cleaning services", "office cleaning", "Offices, clinics and shops"),
    ("event caterer", "catering for staff and client events", "Companies that host clients or staff"),
    ("travel agent", "business travel management", "Companies whose staff travel often"),
    ("telecoms provider", "a new phone system", "Offices moving to cloud telephony"),
    ("security systems", "alarms and access control", "Warehouses, shops and offices"),
    ("training provider", "management training", "Companies promoting first-time managers"),
)  # fmt: skip

SIZE_WEIGHTS = (30, 35, 22, 9, 4)  # 1-10, 11-50, 51-250, 251-1000, 1000+

TITLES_BY_ROLE = {
    "decision_maker": ("CEO", "Managing Director", "CFO", "COO", "Head of Operations", "Owner"),
    "champion": ("Operations Manager", "IT Manager", "Finance Manager", "Project Lead", "Office Manager"),
    "influencer": ("Head of IT", "Procurement Lead", "Financial Controller", "HR Director", "Head of Sales"),
    "user": ("Analyst", "Coordinator", "Specialist", "Administrator", "Engineer", "Team Assistant"),
}

PURCHASE_FIRST = ("Onboarding and setup", "Initial engagement", "Implementation project")
PURCHASE_REPEAT = (
    "Annual licence renewal", "Consulting days", "Support renewal", "Training workshop", "Additional seats",
    "Quarterly review package", "Process audit", "Integration work", "Extended support", "Expansion project",
)  # fmt: skip

TOUCHPOINT_SUMMARIES = {
    "meeting": ("Quarterly review", "Planning meeting for next quarter", "Site visit", "Lunch with the team"),
    "call": ("Check-in call", "Called to see that all is well", "Call about the renewal", "Follow-up call"),
    "email": (
        "Sent the project report",
        "Answered a question on invoices",
        "Shared an article",
        "Recap e-mail",
    ),
    "card": ("Handwritten thank-you card", "Holiday card", "Congratulations card"),
    "gift": ("End-of-project appreciation gift", "Anniversary gift"),
    "support": ("Helped with a login problem", "Fixed a report export", "Answered a configuration question"),
    "note": ("Mentioned they are hiring", "Heard they are opening a second site", "New CFO starting soon"),
    "one_to_one": ("One-to-one: how can we help each other", "One-to-one: referral planning"),
}

REFERRAL_STORIES = {
    "customer": (
        "Mentioned us at an industry dinner when a peer complained about their supplier.",
        "Introduced us by e-mail after seeing the results of our last project.",
        "Recommended us to a former colleague who had just started a new role.",
        "Brought the contact to our client evening and introduced us in person.",
    ),
    "partner": (
        "Passed on the introduction after a one-to-one at the chapter.",
        "Their client asked for someone they trust; they made a three-way call.",
        "Referred the company during a year-end review with the client.",
        "Gave the referral at the weekly chapter meeting with a short testimonial.",
    ),
    "employee": (
        "A colleague met the owner at a trade fair and arranged a coffee.",
        "A former classmate of one of our team asked for a recommendation.",
    ),
    "event": (
        "Spoke to our team after the breakfast workshop and asked for a meeting.",
        "Met us at the client evening, introduced by a guest.",
    ),
    "other": (
        "Found us through a recommendation in an online forum.",
        "Read a case study shared on LinkedIn by a customer.",
    ),
}
OTHER_SOURCES = (
    "LinkedIn post",
    "Industry forum",
    "Former colleague",
    "Conference speaker",
    "Local newspaper",
)
LOST_REASONS = (
    "Chose a competitor",
    "No budget this year",
    "Project postponed",
    "Stayed with their current supplier",
    "No response after several attempts",
    "Not a fit for our services",
)
NPS_COMMENTS = {
    "promoter": (
        "Always responsive and they know our business.",
        "The team goes the extra mile every time.",
        "Best supplier we have worked with.",
    ),
    "passive": ("Good service, a bit pricey.", "Solid work, communication could be faster.", "Does the job."),
    "detractor": (
        "The last project ran late.",
        "Hard to reach the right person.",
        "Invoices were wrong twice this year.",
    ),
}
