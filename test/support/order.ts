// The order-form params of a valid certificate item (contact and postal address), shared by the
// end-to-end suites; each suite adds its own CSR, approver and overrides.
export const CONTACT: Record<string, string> = {
  adm_fname: 'Ivan',
  adm_lname: 'Petrov',
  adm_jtitle: 'Admin',
  adm_phone: '+7 (495) 123-45-67',
  adm_email: 'ivan@example.com',
  org_address: '1 Main St',
  org_city: 'Kirkland',
  org_postcode: '98033',
};
