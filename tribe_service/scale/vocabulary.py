"""Word lists the scale generator draws from: names, roles, skills, project and tribe words.

Small on purpose: the point is plausible text in bulk (for full-text search and
the UI), not variety. Changing a list changes what every seed generates.
"""

from __future__ import annotations

from tribe_service.enums import SkillCategory, UserRole

FIRST_NAMES = (
    "Maya", "James", "Priya", "David", "Sarah", "Alex", "Elena", "Marcus", "Aisha", "Tom",
    "Lena", "Omar", "Sofia", "Kenji", "Amara", "Lucas", "Ines", "Noah", "Zara", "Mateo",
    "Hannah", "Ravi", "Chloe", "Daniel", "Fatima", "Leo", "Grace", "Yusuf", "Mia", "Ethan",
    "Nadia", "Samuel", "Aiko", "Gabriel", "Leila", "Oscar", "Ana", "Kwame", "Julia", "Arjun",
    "Emma", "Tariq", "Isabel", "Felix", "Mei", "Victor", "Olivia", "Hugo", "Sana", "Jonas",
    "Chiara", "Diego", "Nora", "Kofi", "Ingrid", "Rafael", "Yara", "Theo", "Lucia", "Ben",
    "Anya", "Mohammed", "Clara", "Ivan",
)  # fmt: skip

LAST_NAMES = (
    "Chen", "Okafor", "Sharma", "Morales", "Kim", "Rivera", "Volkov", "Johnson", "Patel",
    "Nakamura", "Schmidt", "Haddad", "Rossi", "Tanaka", "Mensah", "Silva", "Garcia", "Müller",
    "Novak", "Fischer", "Kowalski", "Nguyen", "Costa", "Dubois", "Ahmed", "Larsen", "Moreau",
    "Ivanova", "Singh", "Lopez", "Osei", "Andersson", "Park", "Yilmaz", "Martins", "Weber",
    "Hoffmann", "Jensen", "Khan", "Ferrari", "Sato", "Brown", "Wilson", "Taylor", "Clarke",
    "Adeyemi", "Romero", "Petrov", "Lindqvist", "Bianchi", "Cohen", "Mwangi", "Reyes", "Ito",
    "Kaur", "Nielsen", "Suzuki", "Walker", "Hughes", "Fernandes", "Ali", "Berg", "Wagner",
    "Lee",
)  # fmt: skip

# Per primary role: the job titles a headline uses and the skill categories a builder
# of that role mostly has (the first category weighs most).
ROLE_TITLES: dict[UserRole, tuple[str, ...]] = {
    UserRole.ENGINEER: (
        "Full-Stack Developer", "Backend Engineer", "Frontend Developer", "ML Engineer",
        "DevOps Engineer", "Mobile Developer", "Platform Engineer", "Data Engineer",
    ),
    UserRole.DESIGNER: (
        "Product Designer", "UX Researcher", "Visual Designer", "Design Engineer",
        "Interaction Designer",
    ),
    UserRole.PM: ("Product Manager", "Technical PM", "Product Lead", "Program Manager"),
    UserRole.MARKETER: (
        "Growth Marketer", "Content Strategist", "Brand Marketer", "Product Marketer",
    ),
    UserRole.GROWTH: ("Growth Lead", "Community Builder", "Partnerships Lead", "Growth Analyst"),
    UserRole.FOUNDER: (
        "Founder/Engineer", "Solo Founder", "Technical Co-founder", "Founder & CEO",
    ),
    UserRole.OTHER: ("Technical Writer", "Data Analyst", "Operations Lead", "Indie Hacker"),
}  # fmt: skip

ROLE_CATEGORIES: dict[UserRole, tuple[SkillCategory, ...]] = {
    UserRole.ENGINEER: (SkillCategory.ENGINEERING, SkillCategory.DATA, SkillCategory.OPERATIONS),
    UserRole.DESIGNER: (SkillCategory.DESIGN, SkillCategory.PRODUCT),
    UserRole.PM: (SkillCategory.PRODUCT, SkillCategory.OPERATIONS, SkillCategory.DATA),
    UserRole.MARKETER: (SkillCategory.MARKETING, SkillCategory.GROWTH),
    UserRole.GROWTH: (SkillCategory.GROWTH, SkillCategory.MARKETING, SkillCategory.DATA),
    UserRole.FOUNDER: (SkillCategory.ENGINEERING, SkillCategory.PRODUCT, SkillCategory.OTHER),
    UserRole.OTHER: (SkillCategory.OPERATIONS, SkillCategory.OTHER, SkillCategory.DATA),
}

# The skill taxonomy (names as in the spec, so an existing seed taxonomy is reused).
SKILLS: dict[SkillCategory, tuple[str, ...]] = {
    SkillCategory.ENGINEERING: (
        "Python", "JavaScript", "TypeScript", "React", "Next.js", "Node.js", "Go", "Rust",
        "PostgreSQL", "FastAPI", "GraphQL", "Docker", "Kubernetes", "AWS", "gRPC", "Redis",
        "Swift", "Kotlin", "Vue", "Django", "Ruby on Rails", "Elixir", "Terraform",
        "TensorFlow",
    ),
    SkillCategory.DESIGN: (
        "Figma", "UI/UX", "Prototyping", "Design Systems", "User Research",
        "Interaction Design", "Visual Design", "Motion Design", "Storybook", "Illustration",
    ),
    SkillCategory.PRODUCT: (
        "Product Strategy", "Roadmapping", "User Stories", "Analytics", "A/B Testing",
        "Product Discovery", "Pricing", "Customer Interviews",
    ),
    SkillCategory.MARKETING: (
        "Content Strategy", "SEO", "Social Media", "Brand Design", "Copywriting",
        "Email Marketing", "Video Production", "PR",
    ),
    SkillCategory.GROWTH: (
        "Growth Hacking", "Paid Acquisition", "Partnerships", "Community Building",
        "Funnel Optimization", "Referral Programs", "Lifecycle Marketing",
    ),
    SkillCategory.DATA: (
        "Machine Learning", "Data Engineering", "SQL", "Python (Data)", "Visualization",
        "dbt", "Spark", "Grafana", "LLMs", "Statistics",
    ),
    SkillCategory.OPERATIONS: (
        "Project Management", "Agile", "DevOps", "CI/CD", "Technical Writing", "Hiring",
        "Budgeting",
    ),
    SkillCategory.OTHER: (
        "Public Speaking", "Fundraising", "Legal", "Recruiting", "Mentoring", "Sales",
    ),
}  # fmt: skip

# Skills a project's tech stack is drawn from.
TECH_CATEGORIES = (SkillCategory.ENGINEERING, SkillCategory.DATA)
EXTRA_TECH = ("OpenAI", "Supabase", "Stripe", "Tailwind", "Vercel", "SQLite", "Flutter")

TIMEZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Sao_Paulo", "America/Mexico_City", "Europe/London", "Europe/Berlin",
    "Europe/Paris", "Europe/Madrid", "Europe/Warsaw", "Europe/Stockholm", "Africa/Lagos",
    "Africa/Nairobi", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Asia/Seoul",
    "Asia/Dubai", "Australia/Sydney",
)  # fmt: skip

HEADLINE_FOCUS = (
    "building developer tools", "shipping side projects on weekends", "into climate tech",
    "obsessed with fast UIs", "exploring AI products", "scaling B2B SaaS",
    "working on fintech", "making healthcare less painful", "building for creators",
    "open-source maintainer", "previously at a YC startup", "looking for a co-founder",
)  # fmt: skip

BIO_OPENERS = (
    "I have spent the last {years} years as a {title_lower}.",
    "{title} with {years} years of experience across startups and agencies.",
    "Self-taught {title_lower}, {years} years in, still learning every week.",
    "{title} who likes small teams and short feedback loops.",
)

BIO_CLOSERS = (
    "Happiest when a prototype meets real users.",
    "Looking for ambitious people to build something useful with.",
    "Currently mentoring two junior builders on the side.",
    "Ask me about pricing experiments and onboarding flows.",
    "I write about what I learn shipping in public.",
    "Open to weekend hackathons and longer collaborations.",
)

PROJECT_PREFIXES = (
    "AI", "Open Source", "Realtime", "Serverless", "Collaborative", "Minimal", "Privacy-first",
    "Self-hosted", "Mobile", "No-code", "Local-first", "Smart",
)  # fmt: skip
PROJECT_DOMAINS = (
    "Resume", "Habit", "Invoice", "Recipe", "Fitness", "Budget", "Podcast", "Hiring", "CRM",
    "Travel", "Note", "Meeting", "Expense", "Language", "Event", "Inventory", "Feedback",
    "Newsletter", "Study", "Garden", "Music", "Support", "Analytics", "Design",
)  # fmt: skip
PROJECT_KINDS = (
    "Builder", "Tracker", "Dashboard", "Platform", "API", "Bot", "App", "Toolkit", "Planner",
    "Framework", "Kit", "Assistant",
)  # fmt: skip
PROJECT_PURPOSES = (
    "helps freelancers get paid faster", "turns messy spreadsheets into clear reports",
    "lets small teams plan their week together", "keeps remote friends accountable",
    "finds the right people for early-stage startups", "makes onboarding feel personal",
    "automates the boring parts of running a shop", "brings realtime collaboration to notes",
    "surfaces insights from customer feedback", "helps students study with spaced repetition",
    "keeps track of subscriptions and renewals", "tests pricing pages with real visitors",
)  # fmt: skip
PROJECT_ROLES = (
    "Creator",
    "Lead Engineer",
    "Designer",
    "Maintainer",
    "Product Lead",
    "Co-creator",
)

COLLABORATOR_ROLES = (
    "Frontend",
    "Backend",
    "Design",
    "Growth",
    "Data",
    "Infra",
    "Product",
    "Docs",
)

TRIBE_DOMAINS = (
    "Hospitality", "Education", "Creator Economy", "Climate", "Healthcare", "Fintech",
    "Logistics", "Local Commerce", "Open Science", "Civic Tech", "Music", "Gaming",
    "Nonprofit", "Real Estate", "Legal", "Food", "Travel", "Mental Health",
)  # fmt: skip
TRIBE_PATTERNS = (
    "{domain} OS", "AI for {domain}", "{domain} Tools", "{domain} Labs", "{domain} Collective",
    "Open {domain}", "{domain} Guild", "{domain} Studio",
)  # fmt: skip
TRIBE_MISSIONS = (
    "Building the operating system for {domain_lower}.",
    "Making {domain_lower} accessible to everyone.",
    "Empowering independent people in {domain_lower} with better tools.",
    "Shipping small, useful software for {domain_lower}.",
    "Bringing modern data tools to {domain_lower}.",
)  # fmt: skip
