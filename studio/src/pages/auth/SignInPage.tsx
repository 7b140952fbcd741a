import { Alert, Anchor, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { IconAlertCircle } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { ApiProblem } from '../../api/client';
import { formErrorsOf } from '../../shell/form-problems';
import { signIn, useSession } from '../../shell/session';

interface Values {
  email: string;
  password: string;
  householdName: string;
}

/** Sign-in (/login) and registration (/register) share one form; either lands where the visitor was going. */
export default function SignInPage() {
  const location = useLocation();
  const mode: 'login' | 'register' = location.pathname.startsWith('/register') ? 'register' : 'login';
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  const navigate = useNavigate();
  const session = useSession();
  const queryClient = useQueryClient();
  const [failure, setFailure] = useState<string[]>([]);
  const form = useForm<Values>({
    initialValues: { email: '', password: '', householdName: '' },
    validate: {
      email: (value) => (/^\S+@\S+\.\S+$/.test(value.trim()) ? null : 'Enter your email address, like you@example.com'),
      password: (value) => (value.length === 0 ? 'Enter your password' : mode === 'register' && [...value].length < 10 ? 'Use at least 10 characters' : null),
    },
  });

  useEffect(() => {
    document.title = mode === 'login' ? 'Sign in · Sluice' : 'Create an account · Sluice';
    setFailure([]);
  }, [mode]);

  if (session) return <Navigate to={from} replace />;

  const submit = form.onSubmit(async (values) => {
    setFailure([]);
    try {
      await signIn(mode, {
        email: values.email.trim(),
        password: values.password,
        ...(mode === 'register' && values.householdName.trim() ? { householdName: values.householdName.trim() } : {}),
      });
      queryClient.clear();
      navigate(from, { replace: true });
    } catch (error) {
      const { fieldErrors, unplaced } = formErrorsOf(error, ([field]) => (field === 'email' || field === 'password' || field === 'householdName' ? field : null));
      form.setErrors(fieldErrors);
      if (error instanceof ApiProblem && error.status === 401) setFailure(['That email and password do not match an account.']);
      else if (error instanceof ApiProblem && error.status === 429) setFailure([error.detail || 'Too many attempts; wait a minute and try again.']);
      else if (unplaced.length > 0 && Object.keys(fieldErrors).length === 0) setFailure(unplaced);
    }
  });

  const heading = mode === 'login' ? 'Sign in to Sluice' : 'Create your Sluice account';
  return (
    <Center component="main" mih="100vh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={420} maw="100%">
        <form onSubmit={submit} noValidate aria-labelledby="signin-heading">
          <Stack>
            <div>
              <Title order={1} id="signin-heading" size="h2">
                {heading}
              </Title>
              <Text size="sm" c="gray.7" mt={4}>
                Your LLC and personal books, kept apart.
              </Text>
            </div>
            {failure.length > 0 && (
              <Alert color="red" icon={<IconAlertCircle aria-hidden />} title={mode === 'login' ? 'Could not sign in' : 'Could not create the account'} role="alert">
                {failure.map((message) => (
                  <div key={message}>{message}</div>
                ))}
              </Alert>
            )}
            <TextInput label="Email" type="email" autoComplete="email" required {...form.getInputProps('email')} />
            <PasswordInput
              label="Password"
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              description={mode === 'register' ? 'At least 10 characters; a passphrase of a few words works well.' : undefined}
              required
              {...form.getInputProps('password')}
              // Mantine marks the inner input with data-invalid only; screen readers need aria-invalid.
              aria-invalid={Boolean(form.errors.password)}
            />
            {mode === 'register' && <TextInput label="Household name" description="Optional, e.g. “Lee household”." {...form.getInputProps('householdName')} />}
            <Button type="submit" loading={form.submitting} fullWidth>
              {mode === 'login' ? 'Sign in' : 'Create account'}
            </Button>
            <Text size="sm" ta="center">
              {mode === 'login' ? (
                <>
                  New here?{' '}
                  <Anchor component={Link} to="/register" state={location.state} c="blue.8" underline="always">
                    Create an account
                  </Anchor>
                </>
              ) : (
                <>
                  Already have an account?{' '}
                  <Anchor component={Link} to="/login" state={location.state} c="blue.8" underline="always">
                    Sign in
                  </Anchor>
                </>
              )}
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
