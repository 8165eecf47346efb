import type { TenantBranding } from '../../mail/index.js';

export const branding: TenantBranding = {
  companyName: 'Acme Robotics',
  fromName: 'Acme Talent Team',
  fromAddress: 'talent@acme.example',
  primaryColor: '#1A73E8',
  accentColor: '#F59E0B',
};

export const XSS = '<script>alert("x")</script>';
