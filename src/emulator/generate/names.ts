/**
 * Word pools for synthetic directory data: names, departments with their job titles, offices,
 * and app-name parts. Plain data; the generator draws from them with the tenant's seeded PRNG.
 */

export const GIVEN_NAMES = [
  'Adele', 'Alex', 'Allan', 'Amara', 'Ana', 'Anders', 'Aria', 'Ben', 'Bianca', 'Carlos', 'Chen', 'Chloe', 'Christie', 'Daniel',
  'Debra', 'Diego', 'Eitan', 'Elena', 'Emily', 'Enrico', 'Erik', 'Fatima', 'Felix', 'Grady', 'Hana', 'Henrietta', 'Hiro', 'Ines',
  'Irvin', 'Isaiah', 'Jakob', 'Johanna', 'Joni', 'Jun', 'Kai', 'Karim', 'Lara', 'Lee', 'Lidia', 'Lina', 'Luca', 'Lynne', 'Maja',
  'Megan', 'Miriam', 'Nestor', 'Nia', 'Noah', 'Olga', 'Omar', 'Patti', 'Pradeep', 'Priya', 'Quinn', 'Rafael', 'Rin', 'Sakura',
  'Samir', 'Sara', 'Sofia', 'Tariq', 'Theo', 'Tomas', 'Uma', 'Valentina', 'Victor', 'Wen', 'Ximena', 'Yara', 'Yusuf', 'Zara', 'Zoe',
];

export const SURNAMES = [
  'Abbott', 'Adams', 'Andersen', 'Bauer', 'Bennett', 'Brooks', 'Castro', 'Chen', 'Costa', 'Dang', 'Diaz', 'Dubois', 'Evans',
  'Fernandes', 'Fischer', 'Garcia', 'Gupta', 'Hansen', 'Hughes', 'Ibrahim', 'Ito', 'Jansen', 'Johnson', 'Kaur', 'Kim', 'Kowalski',
  'Larsen', 'Lee', 'Lopez', 'Mbeki', 'Meyer', 'Miller', 'Moreau', 'Nakamura', 'Nguyen', 'Novak', 'Okafor', 'Olsen', 'Patel',
  'Pereira', 'Quinn', 'Rossi', 'Russo', 'Santos', 'Schmidt', 'Silva', 'Singh', 'Sokolov', 'Tanaka', 'Taylor', 'Thompson', 'Tran',
  'Ueda', 'Vance', 'Varga', 'Wagner', 'Walker', 'Wang', 'Weber', 'Wilson', 'Xu', 'Yamamoto', 'Young', 'Zhang', 'Zimmermann',
];

export const DEPARTMENTS: readonly { name: string; titles: readonly string[]; weight: number }[] = [
  { name: 'Sales', titles: ['Account Executive', 'Sales Representative', 'Sales Manager', 'Inside Sales Specialist'], weight: 16 },
  { name: 'Marketing', titles: ['Marketing Specialist', 'Product Marketing Manager', 'Content Strategist', 'Brand Manager'], weight: 9 },
  { name: 'Engineering', titles: ['Software Engineer', 'Senior Software Engineer', 'Engineering Manager', 'Site Reliability Engineer', 'QA Engineer'], weight: 22 },
  { name: 'IT', titles: ['Systems Administrator', 'IT Support Specialist', 'Network Engineer', 'IT Manager', 'Cloud Architect'], weight: 7 },
  { name: 'Finance', titles: ['Accountant', 'Financial Analyst', 'Controller', 'Payroll Specialist'], weight: 7 },
  { name: 'Human Resources', titles: ['HR Generalist', 'Recruiter', 'HR Business Partner', 'Talent Manager'], weight: 5 },
  { name: 'Legal', titles: ['Legal Counsel', 'Paralegal', 'Compliance Officer'], weight: 3 },
  { name: 'Operations', titles: ['Operations Analyst', 'Logistics Coordinator', 'Operations Manager', 'Facilities Coordinator'], weight: 10 },
  { name: 'Customer Support', titles: ['Support Engineer', 'Customer Success Manager', 'Support Team Lead'], weight: 11 },
  { name: 'Research', titles: ['Research Scientist', 'Data Scientist', 'Research Assistant'], weight: 5 },
  { name: 'Product', titles: ['Product Manager', 'Product Owner', 'UX Designer', 'UX Researcher'], weight: 5 },
];

export const OFFICES: readonly { city: string; state: string | null; country: string; usageLocation: string; postalCode: string; phonePrefix: string; language: string }[] = [
  { city: 'Redmond', state: 'WA', country: 'United States', usageLocation: 'US', postalCode: '98052', phonePrefix: '+1 425 555', language: 'en-US' },
  { city: 'New York', state: 'NY', country: 'United States', usageLocation: 'US', postalCode: '10001', phonePrefix: '+1 212 555', language: 'en-US' },
  { city: 'Toronto', state: 'ON', country: 'Canada', usageLocation: 'CA', postalCode: 'M5H 2N2', phonePrefix: '+1 416 555', language: 'en-CA' },
  { city: 'London', state: null, country: 'United Kingdom', usageLocation: 'GB', postalCode: 'EC1A 1BB', phonePrefix: '+44 20 7946', language: 'en-GB' },
  { city: 'Berlin', state: null, country: 'Germany', usageLocation: 'DE', postalCode: '10115', phonePrefix: '+49 30 5555', language: 'de-DE' },
  { city: 'Paris', state: null, country: 'France', usageLocation: 'FR', postalCode: '75001', phonePrefix: '+33 1 5555', language: 'fr-FR' },
  { city: 'Madrid', state: null, country: 'Spain', usageLocation: 'ES', postalCode: '28001', phonePrefix: '+34 91 555', language: 'es-ES' },
  { city: 'São Paulo', state: 'SP', country: 'Brazil', usageLocation: 'BR', postalCode: '01000-000', phonePrefix: '+55 11 5555', language: 'pt-BR' },
  { city: 'Bangalore', state: 'KA', country: 'India', usageLocation: 'IN', postalCode: '560001', phonePrefix: '+91 80 5555', language: 'en-IN' },
  { city: 'Tokyo', state: null, country: 'Japan', usageLocation: 'JP', postalCode: '100-0001', phonePrefix: '+81 3 5555', language: 'ja-JP' },
  { city: 'Sydney', state: 'NSW', country: 'Australia', usageLocation: 'AU', postalCode: '2000', phonePrefix: '+61 2 5555', language: 'en-AU' },
];

export const APP_PREFIXES = ['HR', 'Payroll', 'Expense', 'Travel', 'CRM', 'Inventory', 'Helpdesk', 'Analytics', 'Billing', 'Onboarding', 'Procurement', 'Wiki', 'Build', 'Deploy', 'Monitoring', 'Ticketing', 'Learning', 'Recruiting', 'Legal', 'Contracts', 'Partner', 'Field Service', 'Warehouse', 'Data Export', 'Reporting'];
export const APP_SUFFIXES = ['Portal', 'API', 'Service', 'Connector', 'Sync', 'Dashboard', 'Automation', 'Gateway', 'Bot', 'Web', 'Mobile', 'Integration'];

export const GROUP_TOPICS = ['Project Phoenix', 'Project Atlas', 'Project Nova', 'Quarterly Planning', 'Book Club', 'Running Club', 'Security Champions', 'Cloud Guild', 'Design Review', 'Release Train', 'Customer Advisory', 'Volunteers', 'Interns', 'Leadership', 'All Hands', 'Innovation Lab', 'Data Platform', 'Mobile Team', 'Web Team', 'Partners', 'Hiring Committee', 'Wellbeing', 'Sustainability', 'Diversity Council', 'Architecture Board'];

export const DEVICE_MODELS: readonly { os: string; versions: readonly string[]; manufacturer: string; models: readonly string[]; prefix: string; weight: number }[] = [
  { os: 'Windows', versions: ['10.0.19045.4291', '10.0.22621.3447', '10.0.22631.3527', '10.0.26100.1742'], manufacturer: 'Microsoft Corporation', models: ['Surface Laptop 5', 'Surface Pro 9', 'Surface Laptop Studio'], prefix: 'DESKTOP-', weight: 45 },
  { os: 'Windows', versions: ['10.0.22631.3527', '10.0.26100.1742'], manufacturer: 'Dell Inc.', models: ['Latitude 7440', 'XPS 13 9340', 'OptiPlex 7010'], prefix: 'LAPTOP-', weight: 25 },
  { os: 'iOS', versions: ['17.4.1', '17.5', '18.0'], manufacturer: 'Apple', models: ['iPhone 14', 'iPhone 15', 'iPad Air'], prefix: 'iPhone-', weight: 10 },
  { os: 'Android', versions: ['13.0', '14.0'], manufacturer: 'Samsung', models: ['Galaxy S23', 'Galaxy A54', 'Galaxy Tab S9'], prefix: 'Android-', weight: 8 },
  { os: 'MacMDM', versions: ['14.4.1', '14.5', '15.0'], manufacturer: 'Apple', models: ['MacBook Pro', 'MacBook Air', 'Mac mini'], prefix: 'MAC-', weight: 12 },
];
